#include "script/scriptruntime.h"

#include "instrumentedthread.h"
#include "script/httpserver.h"
#include "script/prelude.h"
#include "script/syntaxcheck.h"
#include "script/yieldmarker.h"
#include "sleep.h"

#include <QAbstractEventDispatcher>
#include <QFile>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTimer>
#include <QtConcurrent>
#include <qcoro/qcorofuture.h>

#include <chrono>
#include <cstring>
#include <new>
#include <thread>

namespace coroscope::script {
namespace {

constexpr int kOpSleep = 1;
constexpr int kOpGather = 2;
constexpr int kOpTask = 3;
constexpr int kOpWaiter = 4;
constexpr int kOpReady = 5;
constexpr int kOpTimeout = 6;
constexpr int kOpRace = 7;
constexpr int kOpOffload = 9;
constexpr int kOpHttpGet = 10;

/// Awaits a QNetworkReply, cancel-aware: cancelling the task aborts the request and drops the
/// connection to it, so nothing can resume the task afterwards.
class ReplyAwaiter {
public:
    explicit ReplyAwaiter(QNetworkReply* reply)
        : m_reply(reply) {}
    AwaitLabel awaitLabel() const {
        return AwaitLabel{.kind = "http", .detail = QStringLiteral("GET ") + m_reply->url().toString()};
    }
    bool await_ready() const noexcept { return m_reply->isFinished(); }
    void await_suspend(std::coroutine_handle<> awaiting) {
        m_connection = QObject::connect(
            m_reply, &QNetworkReply::finished, m_reply, [awaiting] { awaiting.resume(); },
            Qt::SingleShotConnection);
    }
    void await_resume() const noexcept {}
    void await_cancel() noexcept {
        QObject::disconnect(m_connection);
        m_reply->abort();
    }

private:
    QNetworkReply* m_reply;
    QMetaObject::Connection m_connection;
};

// CPU work for burn() and offload(): spins on the calling thread for `ms`.
void spinFor(double ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(std::int64_t(ms * 1000));
    volatile std::uint64_t sink = 0;
    while (std::chrono::steady_clock::now() < end)
        for (int i = 0; i < 1000; ++i)
            sink = sink + std::uint64_t(i);
}
constexpr qsizetype kMaxLogLines = 10'000;

/// A spawned script task starts on a later loop iteration, not inside spawn() (asyncio's
/// create_task): the spawner's callback stays its own, and the scheduling delay is measured.
class StartSoon {
public:
    AwaitLabel awaitLabel() const { return AwaitLabel{.kind = "start"}; }
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> waiting) {
        m_slot = std::make_shared<WaitSlot>(WaitSlot{waiting, false});
        QMetaObject::invokeMethod(
            QAbstractEventDispatcher::instance(),
            [slot = m_slot] {
                if (slot->cancelled)
                    return;
                slot->cancelled = true;
                slot->handle.resume();
            },
            Qt::QueuedConnection);
    }
    void await_resume() const noexcept {}
    void await_cancel() noexcept { m_slot->cancelled = true; }

private:
    std::shared_ptr<WaitSlot> m_slot;
};

/// "func@file:///home/x/work.js:12" -> ("/home/x/work.js", 12); "f@file:work.js:3" (a script given
/// by a relative path) -> ("work.js", 3)
std::pair<QString, int> parseFrame(const QString& frame) {
    static const QRegularExpression pattern(QStringLiteral("@(?:file:(?://)?)?(.*):(\\d+)$"));
    const QRegularExpressionMatch m = pattern.match(frame.trimmed());
    if (!m.hasMatch())
        return {QString(), 0};
    return {m.captured(1), m.captured(2).toInt()};
}

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
    m_engine.evaluate(QString::fromUtf8(kPrelude), QStringLiteral("coroscope:prelude.js"));
    Q_ASSERT(!m_engine.hasError());
    m_engine.globalObject().setProperty(QStringLiteral("__host"), m_engine.newQObject(this));
    const QJSValue methods = m_engine.evaluate(QStringLiteral(
        "(function () { var p = Object.getPrototypeOf(Object.getPrototypeOf((function* () {})()));"
        " return [p.next, p.throw]; })()"));
    m_next = methods.property(0);
    m_throw = methods.property(1);
    setParams({});
}

ScriptRuntime::~ScriptRuntime() = default;

std::optional<ScriptLoadError> ScriptRuntime::load(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return ScriptLoadError{path, 0, 0, QStringLiteral("cannot read the script: ") + file.errorString()};
    return loadSource(QString::fromUtf8(file.readAll()), path);
}

std::optional<ScriptLoadError> ScriptRuntime::loadSource(const QString& source, const QString& fileName) {
    const MarkedSource marked = markYields(source);
    QString setters =
        QStringLiteral("(function (L) { function d(n) { Object.defineProperty(L, 'at' + n, { set: "
                       "function (v) { if (v !== null && typeof v === 'object') v.__line = n; } }); }");
    const QString shortName = fileName.section(u'/', -1);
    for (const int line : marked.yieldLines) {
        setters += QStringLiteral(" d(%1);").arg(line);
        m_yieldLocations[line] = internStableString(shortName + u':' + QString::number(line));
    }
    m_engine.evaluate(setters + QStringLiteral(" })(__L);"), QStringLiteral("coroscope:yield-markers.js"));
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
    const std::uint64_t id = startTask(QStringLiteral("main"), generator, QString());
    return m_tasks.at(id).future;
}

int ScriptRuntime::cancelAll() {
    int cancelled = 0;
    for (auto& [id, entry] : m_tasks) {
        if (!entry.future->isDone()) {
            entry.task.cancel();
            ++cancelled;
        }
    }
    return cancelled;
}

double ScriptRuntime::spawn(const QString& name, const QJSValue& function, const QJSValue& arguments,
                            const QString& where) {
    QJSValueList args;
    const int count = arguments.property(QStringLiteral("length")).toInt();
    for (int i = 0; i < count; ++i)
        args << arguments.property(quint32(i));
    const QJSValue generator = QJSValue(function).call(args); // a generator function only creates it
    if (m_engine.hasError())
        return 0; // the exception propagates to the spawning script
    if (!generator.property(QStringLiteral("next")).isCallable()) {
        m_engine.throwError(QJSValue::TypeError,
                            QStringLiteral("spawn: '%1' is not a generator function (function*)").arg(name));
        return 0;
    }
    return double(startTask(name, generator, where));
}

double ScriptRuntime::spawnGenerator(const QString& name, const QJSValue& generator, const QString& where) {
    return double(startTask(name, generator, where));
}

std::uint64_t ScriptRuntime::startTask(const QString& name, QJSValue generator, const QString& where) {
    if (m_unfinished >= m_maxTasks) {
        m_taskLimitHit = true;
        m_engine.throwError(
            QJSValue::RangeError,
            QStringLiteral("task limit reached: %1 unfinished tasks (--max-tasks)").arg(m_maxTasks));
        return 0;
    }
    ++m_unfinished;
    auto future = std::make_shared<ScriptFuture>();
    const auto [file, line] = parseFrame(where);
    setNextTaskName(name, file.isEmpty() ? nullptr : internStableString(file), line);
    Task<> task = drive(future, std::move(generator)); // runs up to StartSoon, then returns
    clearNextTaskName();
    const std::uint64_t id = task.id();
    future->setTaskId(id);
    m_tasks.emplace(id, Entry{future, std::move(task)});
    return id;
}

Task<> ScriptRuntime::drive(std::shared_ptr<ScriptFuture> future, QJSValue generator) {
    struct CountDown {
        std::uint64_t& unfinished;
        ~CountDown() { --unfinished; }
    } countDown{m_unfinished};
    try {
        co_await StartSoon{};
    } catch (const CancelledError&) {
        future->cancel();
        throw;
    }
    // Generators this task runs inline (`yield otherGenerator`), innermost last.
    std::vector<QJSValue> stack{std::move(generator)};
    QJSValue sent;
    QJSValue error;
    bool throwing = false;
    int resumedFrom = 0; // the line of the yield this stretch of script resumes from
    for (;;) {
        setStretchLocation(resumedFrom);
        QJSValue step = throwing ? m_throw.callWithInstance(stack.back(), {error})
                                 : m_next.callWithInstance(stack.back(), {sent});
        setStretchLocation(0);
        throwing = false;
        sent = QJSValue();
        // A generator step gives an iterator result; anything else is what the script threw
        // (QJSEngine flags thrown Error objects, but `throw 42` comes back as the bare value).
        const bool iteratorResult = step.isObject() && !step.isError() &&
                                    step.hasOwnProperty(QStringLiteral("done")) &&
                                    step.hasOwnProperty(QStringLiteral("value"));
        if (m_engine.hasError() || !iteratorResult) {
            const QJSValue thrown = m_engine.hasError() ? m_engine.catchError() : step;
            stack.pop_back();
            if (!stack.empty()) { // rethrown into the generator that yielded this one
                error = thrown;
                throwing = true;
                continue;
            }
            if (thrown.property(QStringLiteral("name")).toString() == QLatin1String("CancelledError")) {
                future->cancel();
                throw CancelledError();
            }
            future->fail(thrown);
            throw UserError(describeError(thrown).toStdString());
        }
        if (step.property(QStringLiteral("done")).toBool()) {
            const QJSValue value = step.property(QStringLiteral("value"));
            stack.pop_back();
            if (!stack.empty()) {
                sent = value;
                continue;
            }
            future->resolve(value);
            co_return;
        }

        const QJSValue awaited = step.property(QStringLiteral("value"));
        const int op = awaited.isObject() ? awaited.property(QStringLiteral("__op")).toInt() : 0;
        resumedFrom = awaited.isObject() ? awaited.property(QStringLiteral("__line")).toInt() : 0;
        try {
            if (op == kOpSleep) {
                const double ms = awaited.property(QStringLiteral("ms")).toNumber();
                co_await sleepFor(std::chrono::milliseconds(std::int64_t(ms)));
            } else if (op == kOpTask || op == kOpWaiter) {
                std::shared_ptr<ScriptFuture> awaitedFuture;
                const char* kind = "task";
                if (op == kOpTask) {
                    awaitedFuture = futureOf(awaited);
                } else {
                    const auto it =
                        m_waiters.find(std::uint64_t(awaited.property(QStringLiteral("id")).toNumber()));
                    if (it != m_waiters.end())
                        awaitedFuture = it->second;
                    kind = internStableString(awaited.property(QStringLiteral("label")).toString());
                }
                if (!awaitedFuture) {
                    error = makeError(QStringLiteral("TypeError"),
                                      QStringLiteral("not an awaitable of this script"));
                    throwing = true;
                    continue;
                }
                co_await ScriptFuture::Awaiter(awaitedFuture, kind);
                if (op == kOpWaiter)
                    m_waiters.erase(std::uint64_t(awaited.property(QStringLiteral("id")).toNumber()));
                throwing = !takeOutcome(awaitedFuture, sent, error);
            } else if (op == kOpReady) {
                sent = awaited.property(QStringLiteral("value"));
            } else if (op == kOpTimeout || op == kOpRace) {
                std::vector<std::shared_ptr<ScriptFuture>> futures;
                if (op == kOpTimeout) {
                    futures.push_back(futureOf(awaited.property(QStringLiteral("task"))));
                } else {
                    const QJSValue items = awaited.property(QStringLiteral("tasks"));
                    const int count = items.property(QStringLiteral("length")).toInt();
                    for (int i = 0; i < count; ++i)
                        futures.push_back(futureOf(items.property(quint32(i))));
                }
                std::erase(futures, nullptr);
                if (futures.empty()) {
                    error = makeError(QStringLiteral("TypeError"), QStringLiteral("nothing to await"));
                    throwing = true;
                    continue;
                }
                // The deadline is one more future, settled by a timer that dies with this scope.
                auto deadline = std::make_shared<ScriptFuture>();
                QTimer timer;
                if (op == kOpTimeout) {
                    timer.setSingleShot(true);
                    timer.setTimerType(Qt::PreciseTimer);
                    QObject::connect(&timer, &QTimer::timeout, [deadline] { deadline->resolve(QJSValue()); });
                    timer.start(std::chrono::milliseconds(
                        std::int64_t(awaited.property(QStringLiteral("ms")).toNumber())));
                }
                std::vector<std::shared_ptr<ScriptFuture>> waitOn = futures;
                if (op == kOpTimeout)
                    waitOn.push_back(deadline);
                try {
                    co_await ScriptFuture::AnyAwaiter(std::move(waitOn),
                                                      op == kOpTimeout ? "timeout" : "race");
                } catch (const CancelledError&) {
                    if (op == kOpTimeout)
                        cancelTask(double(futures.front()->taskId())); // nobody will want its result
                    throw;
                }
                const auto first =
                    std::find_if(futures.begin(), futures.end(), [](const auto& f) { return f->isDone(); });
                if (first != futures.end()) {
                    throwing = !takeOutcome(*first, sent, error);
                } else {
                    cancelTask(double(futures.front()->taskId()));
                    error = makeError(QStringLiteral("TimeoutError"),
                                      QStringLiteral("timed out after %1 ms")
                                          .arg(awaited.property(QStringLiteral("ms")).toNumber()));
                    throwing = true;
                }
            } else if (op == kOpHttpGet) {
                const auto resolved =
                    resolveScriptUrl(awaited.property(QStringLiteral("url")).toString(), httpBaseUrl());
                if (const QString* refusal = std::get_if<QString>(&resolved)) {
                    error = makeError(QStringLiteral("HttpError"), *refusal);
                    throwing = true;
                    continue;
                }
                QNetworkReply* reply = m_network->get(QNetworkRequest(std::get<QUrl>(resolved)));
                // Freed later, never from inside its own finished() (QCoro 0.8 resumes there).
                const std::unique_ptr<QNetworkReply, void (*)(QNetworkReply*)> owner(
                    reply, [](QNetworkReply* r) { r->deleteLater(); });
                co_await ReplyAwaiter(reply);
                const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
                if (!status.isValid()) { // no HTTP answer at all: a transport error
                    error = makeError(
                        QStringLiteral("HttpError"),
                        QStringLiteral("http.get %1: %2").arg(reply->url().toString(), reply->errorString()));
                    throwing = true;
                    continue;
                }
                QJSValue response = m_engine.newObject();
                response.setProperty(QStringLiteral("status"), status.toInt());
                response.setProperty(QStringLiteral("body"), QString::fromUtf8(reply->readAll()));
                sent = response;
            } else if (op == kOpOffload) {
                // run_in_executor: the same CPU work on a worker thread, awaited through QCoro.
                const double ms = awaited.property(QStringLiteral("ms")).toNumber();
                co_await QtConcurrent::run([ms] { spinFor(ms); });
            } else if (op == kOpGather) {
                const QJSValue items = awaited.property(QStringLiteral("tasks"));
                const bool settled = awaited.property(QStringLiteral("settled")).toBool();
                std::vector<std::shared_ptr<ScriptFuture>> futures;
                const int count = items.property(QStringLiteral("length")).toInt();
                for (int i = 0; i < count; ++i)
                    futures.push_back(futureOf(items.property(quint32(i))));
                std::shared_ptr<ScriptFuture> firstFailure;
                for (;;) {
                    std::vector<std::shared_ptr<ScriptFuture>> pending;
                    for (const auto& f : futures) {
                        if (!f->isDone())
                            pending.push_back(f);
                        else if (!settled && f->status() != ScriptFuture::Status::Resolved && !firstFailure)
                            firstFailure = f; // fails fast; the others keep running, as in asyncio
                    }
                    if (pending.empty() || firstFailure)
                        break;
                    co_await ScriptFuture::AnyAwaiter(std::move(pending));
                }
                if (firstFailure) {
                    if (firstFailure->status() == ScriptFuture::Status::Failed) {
                        firstFailure->markErrorObserved();
                        m_tasks.at(firstFailure->taskId()).task.acknowledgeError();
                        error = firstFailure->value();
                    } else {
                        error = makeError(QStringLiteral("CancelledError"),
                                          QStringLiteral("a gathered task was cancelled"));
                    }
                    throwing = true;
                } else {
                    QJSValue results = m_engine.newArray(quint32(futures.size()));
                    for (std::size_t i = 0; i < futures.size(); ++i) {
                        const auto& f = futures[i];
                        if (!settled) {
                            results.setProperty(quint32(i), f->value());
                            continue;
                        }
                        QJSValue entry = m_engine.newObject();
                        const bool ok = f->status() == ScriptFuture::Status::Resolved;
                        entry.setProperty(QStringLiteral("ok"), ok);
                        if (ok) {
                            entry.setProperty(QStringLiteral("value"), f->value());
                        } else {
                            if (f->status() == ScriptFuture::Status::Failed) {
                                f->markErrorObserved();
                                m_tasks.at(f->taskId()).task.acknowledgeError();
                            }
                            entry.setProperty(QStringLiteral("error"),
                                              f->status() == ScriptFuture::Status::Failed
                                                  ? f->value()
                                                  : makeError(QStringLiteral("CancelledError"),
                                                              QStringLiteral("task cancelled")));
                        }
                        results.setProperty(quint32(i), entry);
                    }
                    sent = results;
                }
            } else if (awaited.property(QStringLiteral("next")).isCallable() &&
                       awaited.property(QStringLiteral("throw")).isCallable()) {
                stack.push_back(awaited); // `yield gen()`: run it inline, in this task
            } else {
                error =
                    makeError(QStringLiteral("TypeError"),
                              QStringLiteral("yielded a value that is not awaitable: ") + awaited.toString());
                throwing = true;
            }
        } catch (const CancelledError&) {
            // Delivered into the script at its yield: it may catch it and clean up.
            error = makeError(QStringLiteral("CancelledError"), QStringLiteral("task cancelled"));
            throwing = true;
        }
    }
}

bool ScriptRuntime::takeOutcome(const std::shared_ptr<ScriptFuture>& future, QJSValue& value,
                                QJSValue& error) {
    switch (future->status()) {
    case ScriptFuture::Status::Resolved:
        value = future->value();
        return true;
    case ScriptFuture::Status::Failed:
        future->markErrorObserved();
        if (const auto it = m_tasks.find(future->taskId()); it != m_tasks.end())
            it->second.task.acknowledgeError();
        error = future->value();
        return false;
    default:
        error = makeError(QStringLiteral("CancelledError"), QStringLiteral("the awaited task was cancelled"));
        return false;
    }
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
    recordAllocation(owner, size, false);
    const std::uint64_t id = m_nextBuffer++;
    m_buffers.emplace(id, Buffer{std::move(data), size, owner});
    return double(id);
}

void ScriptRuntime::release(double id) {
    const auto it = m_buffers.find(std::uint64_t(id));
    if (it == m_buffers.end())
        return;
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
    explicit ScriptLocationScope(const QString& where)
        : m_thread(InstrumentedThread::current()) {
        const auto [file, line] = parseFrame(where);
        if (!m_thread || file.isEmpty()) {
            m_thread = nullptr;
            return;
        }
        const char* location = internStableString(file.section(u'/', -1) + u':' + QString::number(line));
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

void ScriptRuntime::blockFor(double ms, const QString& where) {
    // Synchronous, on the loop thread: the seeds' time.sleep() inside a coroutine.
    const ScriptLocationScope location(where);
    std::this_thread::sleep_for(std::chrono::microseconds(std::int64_t(ms * 1000)));
}

void ScriptRuntime::burn(double ms, const QString& where) {
    const ScriptLocationScope location(where);
    spinFor(ms);
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

QString ScriptRuntime::describeError(const QJSValue& error) const {
    if (!error.isError() && !error.isObject())
        return QStringLiteral("uncaught value: ") + error.toString(); // `throw 42`
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

} // namespace coroscope::script
