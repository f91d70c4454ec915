#include "script/awaitop_p.h"
#include "script/httpserver.h"
#include "script/scriptinternal_p.h"
#include "script/scriptruntime.h"
#include <coroscope/sleep.h>

#include <QAbstractEventDispatcher>
#include <QNetworkReply>
#include <QTimer>
#include <QtConcurrent>
#include <qcoro/qcorofuture.h>

#include <algorithm>
#include <limits>

// The generator driver: steps a script task's generator and awaits what it yields.
namespace coroscope::script {
namespace {

/// Generators awaited inside each other (`yield gen()`) in one task: past this, a runaway
/// recursion, answered like the engine's own "Maximum call stack size exceeded" (the driver's
/// stack would otherwise grow until the engine's GC aborts the process).
constexpr std::size_t kMaxInlineDepth = 10'000;
/// http.get follows at most this many redirects, each checked against the loopback rule.
constexpr int kMaxRedirects = 10;

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

} // namespace

using detail::spinFor;

Task<> ScriptRuntime::drive(std::shared_ptr<ScriptFuture> future, QJSValue generator) {
    struct CountDown {
        std::atomic<std::uint64_t>& unfinished;
        ~CountDown() { --unfinished; }
    } countDown{m_unfinished};
    // Waiting to start is no yield of the script's: charged to the script as a whole.
    if (TaskContext* self = TaskContext::running())
        self->beginAwaitAt(m_unknownYield);
    try {
        co_await StartSoon{};
    } catch (const CancelledError&) {
        future->cancel();
        throw;
    }
    // Generators this task runs inline (`yield otherGenerator`), innermost last.
    std::vector<QJSValue> stack{std::move(generator)};
    std::vector<int> callerLines; // the yield line that started each inline generator but the first
    QJSValue sent;
    QJSValue error;
    bool throwing = false;
    int resumedFrom = 0; // the line of the yield this stretch of script resumes from
    QString thrownAt;    // "g (work.js:3)": where a thrown non-Error was thrown
    for (;;) {
        scaleGarbageCollectionToLiveHeap(); // a field write: every step, or V4 lowers it again
        setStretchLocation(resumedFrom);
        StepResult result = stepGenerator(throwing ? m_throw : m_next, stack.back(), throwing ? error : sent);
        setStretchLocation(0);
        throwing = false;
        sent = QJSValue();
        if (result.threw) {
            const QJSValue thrown = result.value;
            // `throw 42` carries no stack of its own: keep where the engine saw it thrown first,
            // not where it passed through the generators that yielded this one.
            if (thrownAt.isEmpty())
                thrownAt = result.thrownAt;
            // Thrown into this generator at its yield (a failed task it awaited): the engine
            // records no new throw, so the yield is where it surfaced.
            if (const auto yield = m_yieldLocations.find(resumedFrom);
                thrownAt.isEmpty() && yield != m_yieldLocations.end())
                thrownAt = QString::fromUtf8(yield->second);
            stack.pop_back();
            callerLines.resize(stack.empty() ? 0 : stack.size() - 1);
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
            throw UserError(describeError(thrown, thrownAt).toStdString());
        }
        thrownAt.clear();
        if (result.done) {
            const QJSValue value = result.value;
            stack.pop_back();
            callerLines.resize(stack.empty() ? 0 : stack.size() - 1);
            if (!stack.empty()) {
                sent = value;
                continue;
            }
            future->resolve(value);
            co_return;
        }

        // What a yield gives the driver: a plain object whose __op says what to await.
        QJSValue awaited = std::move(result.value);
        const auto op = AwaitOp(result.op);
        resumedFrom = result.line;
        // The await site is the script's yield, not the line of this driver that awaits for it.
        // A yield of code without marks (the prelude's measure()) is the script's yield that ran it.
        if (TaskContext* self = TaskContext::running()) {
            auto yield = m_yieldLocations.find(resumedFrom);
            for (auto caller = callerLines.rbegin();
                 yield == m_yieldLocations.end() && caller != callerLines.rend(); ++caller)
                yield = m_yieldLocations.find(*caller);
            self->beginAwaitAt(yield != m_yieldLocations.end() ? yield->second : m_unknownYield);
        }
        try {
            if (op == AwaitOp::Sleep) {
                // Infinity sleeps until cancelled (asyncio's sleep(inf)): ~31 years here.
                const double ms = std::clamp(result.ms, 0.0, detail::kMaxScriptMs);
                // Held across the sleep, each JS object is a slot of the engine's persistent-value
                // pages, and Qt 6.4 finds a free slot by walking those pages from the first: with
                // a million tasks asleep, every QJSValue made anywhere cost a walk of thousands of
                // pages (perf: PersistentValueStorage::allocate). A sleeping task keeps only its
                // generator (stepGenerator() made no value of the sleep's object).
                co_await sleepFor(std::chrono::milliseconds(std::int64_t(ms)));
            } else if (op == AwaitOp::Task || op == AwaitOp::Waiter) {
                std::shared_ptr<ScriptFuture> awaitedFuture;
                const char* kind = "task";
                if (op == AwaitOp::Task) {
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
                if (op == AwaitOp::Waiter)
                    m_waiters.erase(std::uint64_t(awaited.property(QStringLiteral("id")).toNumber()));
                throwing = !takeOutcome(awaitedFuture, sent, error);
            } else if (op == AwaitOp::Ready) {
                sent = awaited.property(QStringLiteral("value"));
            } else if (op == AwaitOp::Timeout || op == AwaitOp::Race) {
                std::vector<std::shared_ptr<ScriptFuture>> futures;
                if (op == AwaitOp::Timeout) {
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
                if (op == AwaitOp::Timeout) {
                    // asyncio.wait_for: a timeout <= 0 times out at once unless the awaitable is
                    // done. QTimer takes an int of ms: past ~24.8 days the deadline never comes.
                    const double ms = std::max(0.0, awaited.property(QStringLiteral("ms")).toNumber());
                    timer.setSingleShot(true);
                    timer.setTimerType(Qt::PreciseTimer);
                    QObject::connect(&timer, &QTimer::timeout, [deadline] { deadline->resolve(QJSValue()); });
                    if (ms <= double(std::numeric_limits<int>::max()))
                        timer.start(std::chrono::milliseconds(std::int64_t(ms)));
                }
                std::vector<std::shared_ptr<ScriptFuture>> waitOn = futures;
                if (op == AwaitOp::Timeout)
                    waitOn.push_back(deadline);
                try {
                    co_await ScriptFuture::AnyAwaiter(std::move(waitOn),
                                                      op == AwaitOp::Timeout ? "timeout" : "race");
                } catch (const CancelledError&) {
                    if (op == AwaitOp::Timeout)
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
            } else if (op == AwaitOp::HttpGet) {
                const auto resolved =
                    resolveScriptUrl(awaited.property(QStringLiteral("url")).toString(), httpBaseUrl());
                if (const QString* refusal = std::get_if<QString>(&resolved)) {
                    error = makeError(QStringLiteral("HttpError"), *refusal);
                    throwing = true;
                    continue;
                }
                // Every hop must pass the loopback rule: Qt's default policy would follow a 302
                // from a loopback server to any host.
                QNetworkRequest request(std::get<QUrl>(resolved));
                request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                                     QNetworkRequest::UserVerifiedRedirectPolicy);
                request.setMaximumRedirectsAllowed(kMaxRedirects);
                QNetworkReply* reply = m_network->get(request);
                // Freed later, never from inside its own finished() (QCoro 0.8 resumes there).
                const std::unique_ptr<QNetworkReply, void (*)(QNetworkReply*)> owner(
                    reply, [](QNetworkReply* r) { r->deleteLater(); });
                QString redirectRefused;
                // The hop being answered: by the time redirected() comes, reply->url() is the target.
                QUrl hopFrom = request.url();
                QObject::connect(reply, &QNetworkReply::redirected, reply,
                                 [reply, &redirectRefused, &hopFrom](const QUrl& to) {
                                     const auto hop = resolveScriptUrl(to.toString(), hopFrom);
                                     if (const QString* refusal = std::get_if<QString>(&hop)) {
                                         redirectRefused =
                                             QStringLiteral("http.get %1: redirect not followed: %2")
                                                 .arg(hopFrom.toString(),
                                                      refusal->section(QStringLiteral(": "), 1, -1));
                                         reply->abort();
                                     } else {
                                         hopFrom = to;
                                         Q_EMIT reply->redirectAllowed();
                                     }
                                 });
                co_await ReplyAwaiter(reply);
                if (!redirectRefused.isEmpty()) {
                    error = makeError(QStringLiteral("HttpError"), redirectRefused);
                    throwing = true;
                    continue;
                }
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
            } else if (op == AwaitOp::Offload) {
                // run_in_executor: the same CPU work on a worker thread, awaited through QCoro.
                const double ms = awaited.property(QStringLiteral("ms")).toNumber();
                co_await QtConcurrent::run([ms, stop = m_interrupted] { spinFor(ms, *stop); });
            } else if (op == AwaitOp::Gather) {
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
                        markRetrieved(firstFailure);
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
                                markRetrieved(f);
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
                if (stack.size() >= kMaxInlineDepth) {
                    const auto where = m_yieldLocations.find(resumedFrom);
                    error = makeError(
                        QStringLiteral("RangeError"),
                        QStringLiteral("maximum recursion depth exceeded: %1 generators awaited inside each "
                                       "other%2")
                            .arg(kMaxInlineDepth)
                            .arg(where == m_yieldLocations.end()
                                     ? QString()
                                     : QStringLiteral(" (at ") + QString::fromUtf8(where->second) + u')'));
                    throwing = true;
                } else {
                    stack.push_back(awaited); // `yield gen()`: run it inline, in this task
                    callerLines.push_back(resumedFrom);
                }
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
        markRetrieved(future);
        error = future->value();
        return false;
    default:
        error = makeError(QStringLiteral("CancelledError"), QStringLiteral("the awaited task was cancelled"));
        return false;
    }
}

} // namespace coroscope::script
