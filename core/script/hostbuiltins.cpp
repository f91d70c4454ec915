// The host functions a script calls on every request, as the engine's own builtins: a call of a
// ScriptRuntime method through its QObject wrapper (QObjectMethod::callInternal, the metacall,
// the QVariant-free argument conversion) cost about twice the method itself (api-gateway-100k's
// CPU profile: 332 samples in callInternal for 117 in the methods). Private QV4 API, pinned to
// Qt 6.4 like enginetrace.cpp.
#include "script/scriptruntime.h"

#include <limits>
#include <private/qv4engine_p.h>
#include <private/qv4functionobject_p.h>
#include <private/qv4object_p.h>
#include <private/qv4property_p.h>
#include <private/qv4scopedvalue_p.h>
#include <utility>
#include <vector>

namespace coroscope::script {
namespace {

// A builtin is a plain function of the engine: which runtime it serves is found by its engine.
// A thread has one runtime or a few (tests): a short list, no lock (each runtime and its engine
// stay on the thread that made them).
thread_local std::vector<std::pair<const QV4::ExecutionEngine*, ScriptRuntime*>> t_runtimes;

ScriptRuntime* runtimeOf(const QV4::FunctionObject* function) {
    const QV4::ExecutionEngine* engine = function->engine();
    for (const auto& [e, runtime] : t_runtimes)
        if (e == engine)
            return runtime;
    return nullptr;
}

QV4::ReturnedValue nativeNow(const QV4::FunctionObject* f, const QV4::Value*, const QV4::Value*, int) {
    const ScriptRuntime* runtime = runtimeOf(f);
    return QV4::Encode(runtime ? runtime->now() : 0.0);
}

QV4::ReturnedValue nativeRandom(const QV4::FunctionObject* f, const QV4::Value*, const QV4::Value*, int) {
    ScriptRuntime* runtime = runtimeOf(f);
    return QV4::Encode(runtime ? runtime->random() : 0.0);
}

/// record(name, ms): the name as String(name) would give it, the value as Number(ms).
QV4::ReturnedValue nativeRecord(const QV4::FunctionObject* f, const QV4::Value*, const QV4::Value* argv,
                                int argc) {
    QV4::ExecutionEngine* engine = f->engine();
    const QString name = argc > 0 ? argv[0].toQString() : QStringLiteral("undefined");
    const double ms = argc > 1 ? argv[1].toNumber() : std::numeric_limits<double>::quiet_NaN();
    if (engine->hasException)
        return QV4::Encode::undefined(); // a toString() or valueOf() of the script's threw
    if (ScriptRuntime* runtime = runtimeOf(f))
        runtime->record(name, ms);
    return QV4::Encode::undefined();
}

/// The setter of one `__L.atN` (yieldmarker.h): the store runs after the yielded value is
/// evaluated, right before the yield suspends, so the last mark of a step is the yield's line.
/// Native, and it changes nothing in the script's objects: the JavaScript setter it replaces
/// stamped `__line` on the awaitable, a call and a property store per switch (a quarter of a
/// switch's instructions, callgrind).
QV4::ReturnedValue nativeYieldMark(const QV4::FunctionObject* f, const QV4::Value*, const QV4::Value*, int) {
    if (ScriptRuntime* runtime = runtimeOf(f))
        runtime->noteYieldMark(f->d());
    return QV4::Encode::undefined();
}

} // namespace

void ScriptRuntime::defineYieldMarks(const std::vector<int>& lines) {
    QV4::ExecutionEngine* v4 = m_engine.handle();
    QV4::Scope scope(v4);
    QV4::ScopedObject marks(
        scope, v4->globalObject->get(QV4::ScopedString(scope, v4->newIdentifier(QStringLiteral("__L")))));
    if (!marks)
        return;
    QV4::ScopedString name(scope);
    QV4::ScopedFunctionObject setter(scope);
    QV4::ScopedProperty accessor(scope);
    for (const int line : lines) {
        name = v4->newIdentifier(QStringLiteral("at") + QString::number(line));
        setter = QV4::FunctionObject::createBuiltinFunction(v4, name, nativeYieldMark, 1);
        m_markSetters[setter->d()] = line; // V4's collector does not move objects; __L keeps it alive
        accessor->setGetter(nullptr);
        accessor->setSetter(setter);
        marks->insertMember(name, accessor,
                            QV4::Attr_Accessor | QV4::Attr_NotConfigurable | QV4::Attr_NotEnumerable);
    }
}

void ScriptRuntime::installHostBuiltins() {
    QV4::ExecutionEngine* v4 = m_engine.handle();
    t_runtimes.emplace_back(v4, this);
    QV4::Scope scope(v4);
    QV4::ScopedObject global(scope, v4->globalObject);
    global->defineDefaultProperty(QStringLiteral("__nativeNow"), nativeNow, 0);
    global->defineDefaultProperty(QStringLiteral("__nativeRandom"), nativeRandom, 0);
    global->defineDefaultProperty(QStringLiteral("__nativeRecord"), nativeRecord, 2);
}

void ScriptRuntime::removeHostBuiltins() noexcept {
    std::erase_if(t_runtimes, [this](const auto& entry) { return entry.second == this; });
}

} // namespace coroscope::script
