#include "script/scriptruntime.h"

#include "instrument/heapaccount.h"
#include "instrument/instrumentedthread.h"
#include "script/httpserver.h"
#include "script/prelude.h"
#include "script/scriptinternal_p.h"
#include "script/syntaxcheck.h"
#include "script/yieldmarker.h"
#include <coroscope/sleep.h>

#include <QAbstractEventDispatcher>
#include <QFile>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTimer>
#include <QtConcurrent>
#include <qcoro/qcorofuture.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <new>
#include <private/qjsvalue_p.h>
#include <private/qv4engine_p.h>
#include <private/qv4functionobject_p.h>
#include <private/qv4jscall_p.h>
#include <private/qv4stackframe_p.h>
#include <thread>

namespace coroscope::script {

using detail::spinFor;

namespace {
constexpr qsizetype kMaxLogLines = 10'000;
} // namespace

QString ScriptLoadError::toString() const {
    QString where = file;
    if (line > 0)
        where += u':' + QString::number(line);
    if (column > 0)
        where += u':' + QString::number(column);
    return where + QStringLiteral(": ") + message;
}

ScriptRuntime::ScriptRuntime()
    : m_startNs(Clock::nanosNow()) {
    // The engine must never garbage-collect its host.
    QJSEngine::setObjectOwnership(this, QJSEngine::CppOwnership);
    m_engine.evaluate(preludeSource(), QStringLiteral("coroscope:prelude.js"));
    Q_ASSERT(!m_engine.hasError());
    installHostBuiltins();
    m_engine.globalObject().property(QStringLiteral("__bindHost")).call({m_engine.newQObject(this)});
    const QJSValue methods = m_engine.evaluate(QStringLiteral(
        "(function () { var p = Object.getPrototypeOf(Object.getPrototypeOf((function* () {})()));"
        " return [p.next, p.throw]; })()"));
    m_next = methods.property(0);
    m_throw = methods.property(1);
    internStepKeys();
    setParams({});
}

ScriptRuntime::~ScriptRuntime() {
    removeHostBuiltins();
}

std::optional<ScriptLoadError> ScriptRuntime::load(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return ScriptLoadError{path, 0, 0, QStringLiteral("cannot read the script: ") + file.errorString()};
    return loadSource(QString::fromUtf8(file.readAll()), path);
}

std::optional<ScriptLoadError> ScriptRuntime::loadSource(const QString& source, const QString& fileName) {
    const MarkedSource marked = markYields(source);
    const QString shortName = fileName.section(u'/', -1);
    m_unknownYield = internStableString(shortName);
    for (const int line : marked.yieldLines)
        m_yieldLocations[line] = internStableString(shortName + u':' + QString::number(line));
    defineYieldMarks(marked.yieldLines);
    // Syntax first, with Qt's own parser: QJSEngine 6.4 reports no column. It also guards the
    // yield marker: the marked source must parse wherever the original does, else run the original.
    const SyntaxProblem problem = checkSyntax(source);
    if (problem.line > 0)
        return ScriptLoadError{fileName, problem.line, problem.column,
                               QStringLiteral("SyntaxError: ") + problem.message};
    const bool markedParses = checkSyntax(marked.source).line == 0;
    if (!markedParses)
        m_yieldLocations.clear();
    QJSValue result = m_engine.evaluate(markedParses ? marked.source : source, fileName, 1);
    if (m_engine.hasError())
        result = m_engine.catchError();
    if (result.isError()) // a runtime error at the top level (a ReferenceError, a throw)
        return ScriptLoadError{fileName, result.property(QStringLiteral("lineNumber")).toInt(), 0,
                               result.toString()};
    const QJSValue mainFunction = m_engine.globalObject().property(QStringLiteral("main"));
    if (!mainFunction.isCallable())
        return ScriptLoadError{fileName, 0, 0, QStringLiteral("the script defines no `function* main()`")};
    // A plain function would run to its end at once and then fail as "not a generator": say it
    // before anything runs, at its line.
    const QJSValue isGenerator = m_engine.evaluate(QStringLiteral(
        "(function (f) { return Object.getPrototypeOf(f) === Object.getPrototypeOf(function* () {}); })"));
    if (!isGenerator.call({mainFunction}).toBool()) {
        static const QRegularExpression declaration(QStringLiteral("\\bmain\\s*(=|\\()"));
        const qsizetype at = source.indexOf(declaration);
        const int line = at < 0 ? 0 : int(QStringView(source).left(at).count(u'\n')) + 1;
        return ScriptLoadError{fileName, line, 0,
                               QStringLiteral("main is a plain function: write `function* main()` (a "
                                              "generator function; `yield` is its await)")};
    }
    return std::nullopt;
}

std::shared_ptr<ScriptFuture> ScriptRuntime::startMain() {
    const QJSValue generator = m_engine.globalObject().property(QStringLiteral("main")).call();
    if (m_engine.hasError() || !generator.property(QStringLiteral("next")).isCallable()) {
        auto future = std::make_shared<ScriptFuture>();
        future->fail(m_engine.hasError()
                         ? m_engine.catchError()
                         : makeError(QStringLiteral("TypeError"),
                                     QStringLiteral("main must be a generator function (function*)")));
        return future;
    }
    const std::uint64_t id = startTask(QStringLiteral("main"), generator);
    if (id == 0) { // refused (the task limit): the engine holds why
        auto future = std::make_shared<ScriptFuture>();
        future->fail(m_engine.hasError()
                         ? m_engine.catchError()
                         : makeError(QStringLiteral("RangeError"), QStringLiteral("main was not started")));
        return future;
    }
    return m_tasks.at(id).future;
}

bool ScriptRuntime::cancelAll(std::size_t limit) {
    // In the order they were spawned: tasks awaiting each other end in a cascade, and the oldest
    // (the spawners) go first. Once each: a task that swallows its CancelledError keeps running,
    // as in asyncio, and the runner's guard ends it.
    if (!m_toCancel) {
        m_toCancel.emplace();
        for (const auto& [id, entry] : m_tasks)
            if (!entry.future->isDone())
                m_toCancel->push_back(id);
        std::sort(m_toCancel->begin(), m_toCancel->end());
    }
    for (std::size_t cancelled = 0; m_toCancelNext < m_toCancel->size() && cancelled < limit;) {
        const auto it = m_tasks.find((*m_toCancel)[m_toCancelNext++]);
        if (it == m_tasks.end() || it->second.future->isDone())
            continue; // ended meanwhile: cancelling one task can end others
        it->second.task.cancel();
        ++cancelled;
        m_cleanupProgress.fetch_add(1, std::memory_order_relaxed);
    }
    return m_toCancelNext < m_toCancel->size();
}

double ScriptRuntime::spawnGenerator(const QString& name, const QJSValue& generator) {
    return double(startTask(name, generator));
}

std::uint64_t ScriptRuntime::startTask(const QString& name, QJSValue generator) {
    if (m_unfinished >= m_maxTasks) {
        m_taskLimitHit = true;
        m_engine.throwError(
            QJSValue::RangeError,
            QStringLiteral("task limit reached: %1 unfinished tasks (--max-tasks)").arg(m_maxTasks));
        return 0;
    }
    ++m_unfinished;
    scaleGarbageCollectionToLiveHeap();
    auto future = std::make_shared<ScriptFuture>();
    const ScriptLine where = callerLine();
    setNextTaskName(name, where.file, where.line);
    Task<> task = drive(future, std::move(generator)); // runs up to StartSoon, then returns
    clearNextTaskName();
    const std::uint64_t id = task.id();
    future->setTaskId(id);
    m_tasks.emplace(id, Entry{future, std::move(task)});
    return id;
}

void ScriptRuntime::setStretchLocation(int yieldLine) noexcept {
    InstrumentedThread* thread = InstrumentedThread::current();
    if (!thread)
        return;
    const auto it = yieldLine ? m_yieldLocations.find(yieldLine) : m_yieldLocations.end();
    const char* location = it != m_yieldLocations.end() ? it->second : nullptr;
    // The dispatch's own copy is only ever set (DispatchScope resets it per dispatch): its
    // slow-callback record, built when the dispatch ends, must still see the line that blocked.
    if (location)
        thread->scriptLocation = location;
    thread->published.scriptLocation.store(location, std::memory_order_relaxed);
}

void ScriptRuntime::markRetrieved(const std::shared_ptr<ScriptFuture>& future) {
    future->markErrorObserved();
    if (const auto it = m_tasks.find(future->taskId()); it != m_tasks.end())
        it->second.task.acknowledgeError();
}

QUrl ScriptRuntime::httpBaseUrl() {
    if (!m_http) {
        m_http = std::make_unique<LoopbackHttpServer>();
        if (!m_http->listen())
            qWarning("coroscope: the loopback HTTP server could not listen: %s",
                     qPrintable(m_http->errorString()));
        m_network = std::make_unique<QNetworkAccessManager>();
    }
    return m_http->baseUrl();
}

double ScriptRuntime::alloc(double bytes) {
    constexpr double kMaxBuffer = double(std::int64_t(1) << 30);
    if (!(bytes >= 1 && bytes <= kMaxBuffer)) {
        m_engine.throwError(QJSValue::RangeError,
                            QStringLiteral("alloc: %1 bytes is not between 1 and 1 GiB").arg(bytes));
        return 0;
    }
    const auto size = std::int64_t(bytes);
    std::unique_ptr<char[]> data(new (std::nothrow) char[std::size_t(size)]);
    if (!data) {
        m_engine.throwError(QJSValue::RangeError,
                            QStringLiteral("alloc: out of memory for %1 bytes").arg(size));
        return 0;
    }
    std::memset(data.get(), 0xA5, std::size_t(size)); // touched: resident, as a real cache entry would be
    const TaskContext* running = TaskContext::running();
    const std::uint64_t owner = running ? running->id() : 0;
    if (!heap::interposed()) // otherwise the interposer has charged the task already
        recordAllocation(owner, size, false);
    const std::uint64_t id = m_nextBuffer++;
    m_buffers.emplace(id, Buffer{std::move(data), size, owner});
    return double(id);
}

void ScriptRuntime::release(double id) {
    const auto it = m_buffers.find(std::uint64_t(id));
    if (it == m_buffers.end())
        return;
    if (!heap::interposed())
        recordAllocation(it->second.owner, it->second.size, true);
    m_buffers.erase(it);
}

double ScriptRuntime::newWaiter() {
    const std::uint64_t id = m_nextWaiter++;
    m_waiters.emplace(id, std::make_shared<ScriptFuture>());
    return double(id);
}

bool ScriptRuntime::wake(double id, const QJSValue& value) {
    const auto it = m_waiters.find(std::uint64_t(id));
    if (it == m_waiters.end() || it->second->isAbandoned() || it->second->isDone()) {
        if (it != m_waiters.end())
            m_waiters.erase(it);
        return false;
    }
    it->second->resolve(value);
    return true;
}

double ScriptRuntime::random() {
    return std::uniform_real_distribution<double>(0.0, 1.0)(m_random);
}

void ScriptRuntime::record(const QString& metric, double ms) {
    recordMetric(metric.left(128), std::chrono::nanoseconds(std::int64_t(ms * 1e6)));
}

void ScriptRuntime::setParams(const std::vector<std::pair<QString, QString>>& params) {
    QJSValue object = m_engine.newObject();
    for (const auto& [key, value] : params)
        object.setProperty(key, value);
    m_engine.globalObject().setProperty(QStringLiteral("params"), object);
}

void ScriptRuntime::setSeed(std::uint64_t seed) {
    m_random.seed(seed);
}

std::shared_ptr<ScriptFuture> ScriptRuntime::futureOf(const QJSValue& taskObject) const {
    const auto it = m_tasks.find(std::uint64_t(taskObject.property(QStringLiteral("id")).toNumber()));
    return it == m_tasks.end() ? nullptr : it->second.future;
}

void ScriptRuntime::cancelTask(double id) {
    const auto it = m_tasks.find(std::uint64_t(id));
    if (it != m_tasks.end() && !it->second.future->isDone())
        it->second.task.cancel();
}

bool ScriptRuntime::taskDone(double id) const {
    const auto it = m_tasks.find(std::uint64_t(id));
    return it == m_tasks.end() || it->second.future->isDone();
}

QString ScriptRuntime::taskState(double id) const {
    const auto it = m_tasks.find(std::uint64_t(id));
    if (it == m_tasks.end())
        return QStringLiteral("unknown");
    switch (it->second.future->status()) {
    case ScriptFuture::Status::Resolved:
        return QStringLiteral("completed");
    case ScriptFuture::Status::Failed:
        return QStringLiteral("failed");
    case ScriptFuture::Status::Cancelled:
        return QStringLiteral("cancelled");
    case ScriptFuture::Status::Pending:
        break;
    }
    return QString::fromLatin1(taskStateName(it->second.task.state()).data());
}

/// Marks a script line as the one running on the loop while it blocks: the slow callback (and
/// the watchdog's report of one still running) names it.
class ScriptLocationScope {
public:
    ScriptLocationScope(const char* file, int line)
        : m_thread(InstrumentedThread::current()) {
        if (!m_thread || !file) {
            m_thread = nullptr;
            return;
        }
        const char* location =
            internStableString(QString::fromUtf8(file).section(u'/', -1) + u':' + QString::number(line));
        m_previous = m_thread->scriptLocation;
        m_thread->scriptLocation = location;
        m_thread->published.scriptLocation.store(location, std::memory_order_relaxed);
    }
    ~ScriptLocationScope() {
        if (!m_thread)
            return;
        // Back to the stretch's own line; the blocking call's stays in t.scriptLocation for the
        // slow-callback record of this dispatch.
        m_thread->published.scriptLocation.store(m_previous, std::memory_order_relaxed);
    }
    ScriptLocationScope(const ScriptLocationScope&) = delete;
    ScriptLocationScope& operator=(const ScriptLocationScope&) = delete;

private:
    InstrumentedThread* m_thread;
    const char* m_previous = nullptr;
};

void ScriptRuntime::blockFor(double ms) {
    // Synchronous, on the loop thread: the seeds' time.sleep() inside a coroutine.
    const ScriptLine where = callerLine();
    const ScriptLocationScope location(where.file, where.line);
    detail::sleepFor(ms, *m_interrupted);
}

void ScriptRuntime::burn(double ms) {
    const ScriptLine where = callerLine();
    const ScriptLocationScope location(where.file, where.line);
    spinFor(ms, *m_interrupted);
}

void ScriptRuntime::interrupt() noexcept {
    m_interrupted->store(true, std::memory_order_relaxed);
    m_engine.setInterrupted(true);
}

void ScriptRuntime::clearInterrupt() noexcept {
    m_interrupted->store(false, std::memory_order_relaxed);
    m_engine.setInterrupted(false);
}

void ScriptRuntime::log(const QString& line) {
    if (m_log.size() < kMaxLogLines)
        m_log << line.left(4096);
    Q_EMIT logged(line);
}

double ScriptRuntime::now() const {
    return double(Clock::nanosNow() - m_startNs) / 1e6;
}

QJSValue ScriptRuntime::makeError(const QString& name, const QString& message) {
    QJSValue error = m_engine.newErrorObject(QJSValue::GenericError, message);
    error.setProperty(QStringLiteral("name"), name);
    return error;
}

} // namespace coroscope::script
