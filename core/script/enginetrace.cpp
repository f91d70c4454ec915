// What QJSEngine's public API does not tell or set: where a value was thrown, which script frame
// a stopped loop was in, and how often the garbage collector runs. Read from the engine's own records through
// Qt's private QV4 headers, pinned to Qt 6.4 like the syntax check (syntaxcheck.cpp).
#include "script/awaitop_p.h"
#include "script/scriptinternal_p.h"
#include "script/scriptruntime.h"

#include <QUrl>

#include <private/qjsvalue_p.h>
#include <private/qv4engine_p.h>
#include <private/qv4functionobject_p.h>
#include <private/qv4jscall_p.h>
#include <private/qv4mm_p.h>
#include <private/qv4object_p.h>
#include <private/qv4stackframe_p.h>

namespace coroscope::script {

using detail::parseFrame;

QString ScriptRuntime::scriptFrameOfStoppedLoop() const {
    // Walks at most a few thousand frames: a runaway recursion has millions, all alike.
    const QV4::CppStackFrame* frame = m_engine.handle()->currentStackFrame;
    for (int i = 0; frame && i < 4096; ++i, frame = frame->parentFrame()) {
        const QString source = frame->source();
        // The innermost frame may be the one whose setup overflowed: no line yet.
        if (source.isEmpty() || source.startsWith(QLatin1String("coroscope:")) || frame->lineNumber() <= 0)
            continue;
        const QString function = frame->function();
        return (function.isEmpty() ? QStringLiteral("<script>") : function) + QStringLiteral(" (") +
               QUrl(source).fileName() + u':' + QString::number(frame->lineNumber()) + u')';
    }
    return QString();
}

ScriptRuntime::ScriptLine ScriptRuntime::callerLine() {
    // Read from the engine's frames, not from `new Error().stack`: that built and split a string of
    // the whole stack on every spawn, garbage that with a million tasks alive lands on fresh pages
    // (the kernel zeroing them was a third of a spawn's cost) and a regex match besides.
    for (const QV4::CppStackFrame* frame = m_engine.handle()->currentStackFrame; frame;
         frame = frame->parentFrame()) {
        const QString source = frame->source();
        QStringView path = source; // "file:///home/x/work.js", "file:work.js", "file:coroscope:prelude.js"
        if (path.startsWith(QLatin1String("file://")))
            path = path.mid(7);
        else if (path.startsWith(QLatin1String("file:")))
            path = path.mid(5);
        if (path.isEmpty() || path.startsWith(QLatin1String("coroscope:")))
            continue; // the prelude's own API functions, or native code
        // One script file, so one source string: its interned name is looked up once.
        if (source.constData() != m_callerSource.constData()) {
            m_callerSource = source;
            m_callerFile = internStableString(path.toString());
        }
        return {m_callerFile, std::max(0, frame->lineNumber())};
    }
    return {};
}

void ScriptRuntime::internStepKeys() {
    QV4::ExecutionEngine* v4 = m_engine.handle();
    const auto intern = [v4](const QString& name) {
        return QJSValuePrivate::fromReturnedValue(v4->newIdentifier(name)->asReturnedValue());
    };
    m_keyOp = intern(QStringLiteral("__op"));
    m_keyMs = intern(QStringLiteral("ms"));
}

namespace {

QV4::PropertyKey keyOf(QV4::ExecutionEngine* v4, const QJSValue& interned) {
    return QV4::Value::fromReturnedValue(QJSValuePrivate::convertToReturnedValue(v4, interned))
        .as<QV4::String>()
        ->toPropertyKey();
}

} // namespace

ScriptRuntime::StepResult ScriptRuntime::stepGenerator(const QJSValue& method, const QJSValue& generator,
                                                       const QJSValue& argument) {
    QV4::ExecutionEngine* v4 = m_engine.handle();
    QV4::Scope scope(v4);
    QV4::ScopedFunctionObject function(scope, QJSValuePrivate::convertToReturnedValue(v4, method));
    if (!function)
        return {makeError(QStringLiteral("TypeError"), QStringLiteral("not a generator")), true, {}};
    QV4::JSCallArguments call(scope, 1);
    *call.thisObject = QJSValuePrivate::convertToReturnedValue(v4, generator);
    call.args[0] = QJSValuePrivate::convertToReturnedValue(v4, argument);
    m_markedLine = 0; // the step's last yield marker sets it
    QV4::ScopedValue value(scope, function->call(call));
    StepResult result;
    if (v4->hasException) {
        QV4::StackTrace trace;
        value = v4->catchException(&trace);
        result.threw = true;
        for (const QV4::StackFrame& frame : trace) {
            if (frame.source.isEmpty() || frame.source.startsWith(QLatin1String("coroscope:")) ||
                frame.line <= 0)
                continue;
            result.thrownAt = (frame.function.isEmpty() ? QStringLiteral("<script>") : frame.function) +
                              QStringLiteral(" (") + QUrl(frame.source).fileName() + u':' +
                              QString::number(frame.line) + u')';
            break;
        }
    }
    if (v4->isInterrupted.loadRelaxed()) { // what QJSValue::call() says when the guard interrupted
        value = v4->newErrorObject(QStringLiteral("Interrupted"));
        result.threw = true;
        // Delivered to the callback it was meant for: the tasks whose timers fire next, before
        // the loop ends the run, are cancelled then, not failed with "Interrupted".
        m_engine.setInterrupted(false);
    }
    if (result.threw) {
        result.value = QJSValuePrivate::fromReturnedValue(value->asReturnedValue());
        return result;
    }
    // {value, done}: what the generator yielded or returned. A getter on a yielded object runs
    // here and may throw: that is the step's throw.
    QV4::ScopedObject iteration(scope, value);
    QV4::ScopedValue yielded(scope, iteration ? iteration->get(v4->id_value()) : value->asReturnedValue());
    result.done = iteration && QV4::Value::fromReturnedValue(iteration->get(v4->id_done())).toBoolean();
    result.line = result.done ? 0 : m_markedLine;
    if (QV4::ScopedObject awaitable(scope, yielded); !result.done && awaitable) {
        result.op = QV4::Value::fromReturnedValue(awaitable->get(keyOf(v4, m_keyOp))).toInt32();
        if (result.op == int(AwaitOp::Sleep))
            result.ms = QV4::Value::fromReturnedValue(awaitable->get(keyOf(v4, m_keyMs))).toNumber();
    }
    if (v4->hasException) {
        result.threw = true;
        result.value = QJSValuePrivate::fromReturnedValue(v4->catchException());
        result.op = 0;
        return result;
    }
    if (result.op != int(AwaitOp::Sleep))
        result.value = QJSValuePrivate::fromReturnedValue(yielded->asReturnedValue());
    return result;
}

QString ScriptRuntime::describeError(const QJSValue& error, const QString& thrownAt) const {
    if (!error.isError() && !error.isObject()) // `throw 42`
        return QStringLiteral("uncaught value: ") + error.toString().left(1024) +
               (thrownAt.isEmpty() ? QString() : QStringLiteral("\n    at ") + thrownAt);
    QString text = error.property(QStringLiteral("name")).toString() + QStringLiteral(": ") +
                   error.property(QStringLiteral("message")).toString();
    const QStringList frames =
        error.property(QStringLiteral("stack")).toString().split(u'\n', Qt::SkipEmptyParts);
    for (const QString& frame : frames) {
        const auto [file, line] = parseFrame(frame);
        if (file.isEmpty() || file.startsWith(QLatin1String("coroscope:")))
            continue;
        const QString function = frame.section(u'@', 0, 0);
        text += QStringLiteral("\n    at ") + (function.isEmpty() ? QStringLiteral("<script>") : function) +
                QStringLiteral(" (") + file.section(u'/', -1) + u':' + QString::number(line) + u')';
    }
    return text;
}

void ScriptRuntime::scaleGarbageCollectionToLiveHeap() noexcept {
    // V4 collects whenever 128 KiB more string data (QString-backed, "unmanaged") was allocated
    // than the last collection left, whatever the live heap: with 200 000 tasks alive every
    // few hundred spawns paid a full mark of all of them (20 000 spawns took 15 s instead of
    // 0.6 s). Collecting when the strings grew by half the live heap keeps a spawn O(1) and the
    // garbage at most 1.5x the live heap. V4 lowers the limit again after a collection; this is
    // called on every spawn and every step of a task, so it never stays low for long.
    QV4::MemoryManager* memory = m_engine.handle()->memoryManager;
    const std::size_t live = memory->usedSlotsAfterLastFullSweep * QV4::Chunk::SlotSize;
    memory->unmanagedHeapSizeGCLimit = std::max(memory->unmanagedHeapSizeGCLimit, live / 2);
}

} // namespace coroscope::script
