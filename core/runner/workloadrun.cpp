#include "runner/workloadrun.h"

#include "memory/memoryprobe.h"
#include "model/format.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSysInfo>
#include <qcoro/qcorotimer.h>

#include <pthread.h>

namespace coroscope {
namespace {

Settings settingsFor(const RunOptions& options) {
    Settings settings;
    settings.slowCallbackThreshold = options.slowThreshold;
    return settings;
}

} // namespace

WorkloadRun::WorkloadRun(RunOptions options)
    : m_options(std::move(options))
    , m_profiler(settingsFor(m_options))
    , m_runtime(std::make_unique<script::ScriptRuntime>()) {
    m_info.script = m_options.displayName.isEmpty() ? m_options.script : m_options.displayName;
    m_info.slowThresholdNs = m_options.slowThreshold.count();
    m_info.seed = m_options.seed;
    m_info.params = m_options.params;
    m_info.coroscopeVersion = QStringLiteral(COROSCOPE_VERSION);
    m_runtime->setSeed(m_options.seed);
    m_runtime->setParams(m_options.params);
    m_runtime->setMaxTasks(m_options.maxTasks);
}

WorkloadRun::~WorkloadRun() {
    stopGuard();
}

std::optional<script::ScriptLoadError> WorkloadRun::load() {
    QFile file(m_options.script);
    if (!file.open(QIODevice::ReadOnly))
        return script::ScriptLoadError{m_options.script, 0, 0,
                                       QStringLiteral("cannot read: ") + file.errorString()};
    m_info.scriptSource = QString::fromUtf8(file.readAll());
    return m_runtime->loadSource(m_info.scriptSource, m_options.script);
}

std::optional<QString> WorkloadRun::recordSession(const QString& path) {
    try {
        m_session = std::make_unique<session::SessionWriter>(path, m_sessionDeltas);
    } catch (const session::SqliteError& e) {
        return QString::fromUtf8(e.what());
    }
    m_profiler.tapSession(m_sessionDeltas);
    QJsonArray params;
    for (const auto& [key, value] : m_options.params)
        params.append(QJsonArray{key, value});
    const std::pair<const char*, QVariant> meta[] = {
        {"script", m_info.script},
        {"script_path", m_options.script},
        {"script_source", m_info.scriptSource},
        {"params", QString::fromUtf8(QJsonDocument(params).toJson(QJsonDocument::Compact))},
        {"seed", qulonglong(m_options.seed)},
        {"slow_threshold_ns", qlonglong(m_options.slowThreshold.count())},
        {"duration_limit_ns", qlonglong(m_options.duration.count())},
        {"script_timeout_ns", qlonglong(m_options.scriptTimeout.count())},
        {"memory_limit_bytes", qlonglong(m_options.memoryLimitBytes)},
        {"max_tasks", qulonglong(m_options.maxTasks)},
        {"coroscope_version", QStringLiteral(COROSCOPE_VERSION)},
        {"qt_version", QString::fromLatin1(qVersion())},
        {"qcoro_version", QStringLiteral(COROSCOPE_QCORO_VERSION)},
        {"host", QSysInfo::machineHostName()},
        {"started_at", QDateTime::currentDateTime().toString(Qt::ISODateWithMs)},
        {"pid", qlonglong(QCoreApplication::applicationPid())},
    };
    std::map<QString, QVariant> rows;
    for (const auto& [key, value] : meta)
        rows.emplace(QString::fromLatin1(key), value);
    try {
        m_session->setMeta(rows);
    } catch (const session::SqliteError& e) {
        m_session.reset();
        return QString::fromUtf8(e.what());
    }
    QObject::connect(
        m_runtime.get(), &script::ScriptRuntime::logged, m_runtime.get(),
        [session = m_session.get()](const QString& line) { session->appendLog(Clock::nanosNow(), line); });
    return std::nullopt;
}

void WorkloadRun::setSlowThreshold(std::chrono::nanoseconds threshold) {
    m_profiler.setSlowCallbackThreshold(threshold);
    if (!m_session)
        return;
    m_session->setMeta({{QStringLiteral("slow_threshold_ns"), qlonglong(threshold.count())}});
    m_session->appendLog(Clock::nanosNow(), QStringLiteral("[coroscope] slow-callback threshold set to %1")
                                                .arg(formatDuration(threshold.count())));
}

void WorkloadRun::requestStop() noexcept {
    int expected = 0;
    if (m_guardVerdict.compare_exchange_strong(expected, int(RunStatus::Interrupted)))
        m_stopRequested.store(true, std::memory_order_relaxed);
}

std::optional<QString> WorkloadRun::sessionError() const {
    return m_session ? m_session->error() : std::nullopt;
}

void WorkloadRun::startGuard() {
    const LoopPublication* published = &m_profiler.published();
    QJSEngine* engine = &m_runtime->engine();
    const Clock::Ticks timeoutTicks = Clock::fromDuration(m_options.scriptTimeout);
    const std::int64_t memoryLimit = m_options.memoryLimitBytes;
    m_guard = std::jthread([this, published, engine, timeoutTicks, memoryLimit](std::stop_token stop) {
        pthread_setname_np(pthread_self(), "coroscope-guard");
        const MemoryProbe memory;
        while (!stop.stop_requested()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            RunStatus verdict = RunStatus::Completed;
            const Clock::Ticks start = published->dispatchStart.load(std::memory_order_relaxed);
            // now > start first: this thread's TSC read can trail the loop's by a few ticks, and the
            // unsigned difference would wrap to ~2^64 and interrupt a healthy run.
            const Clock::Ticks now = Clock::now();
            // A stop was asked for and the loop is stuck in one callback: only the engine can end it.
            const bool stuckAfterStop = m_stopRequested.load(std::memory_order_relaxed) && start != 0 &&
                                        now > start &&
                                        now - start > Clock::fromDuration(std::chrono::milliseconds(100));
            if (stuckAfterStop) {
                engine->setInterrupted(true);
                return;
            }
            if (start != 0 && now > start && now - start > timeoutTicks)
                verdict = RunStatus::Interrupted;
            else if (memory.rssBytes() > memoryLimit)
                verdict = RunStatus::MemoryLimit;
            if (verdict == RunStatus::Completed)
                continue;
            // setInterrupted is thread-safe: the engine stops the running script (~ms) with
            // "Error: Interrupted"; the run then ends with this verdict.
            int expected = 0;
            if (m_guardVerdict.compare_exchange_strong(expected, int(verdict)))
                engine->setInterrupted(true);
            return;
        }
    });
}

void WorkloadRun::stopGuard() {
    if (m_guard.joinable()) {
        m_guard.request_stop();
        m_guard.join();
    }
}

QCoro::Task<RunStatus> WorkloadRun::run() {
    m_profiler.start();
    // The watchdog loads debug info once (~0.1-0.3 s of CPU, longer on a loaded machine) before it
    // can name a blocked stack: wait for it, so a script that blocks at once still gets its stack.
    constexpr auto kWarmUpLimit = std::chrono::seconds(5);
    const auto warmUpDeadline = std::chrono::steady_clock::now() + kWarmUpLimit;
    while (!m_profiler.isWatchdogReady() && std::chrono::steady_clock::now() < warmUpDeadline)
        co_await QCoro::sleepFor(std::chrono::milliseconds(5));
    startGuard();
    m_info.startNs = Clock::nanosNow();
    if (m_session) {
        m_session->start(m_info.startNs);
        // Queued for the first batch: a write error is the writer's (sessionError()), never an
        // exception out of this coroutine.
        m_session->setMeta(QStringLiteral("start_ns"), qlonglong(m_info.startNs));
    }
    const std::shared_ptr<script::ScriptFuture> main = m_runtime->startMain();
    const auto deadline = m_options.duration.count() > 0
                              ? std::chrono::steady_clock::now() + m_options.duration
                              : std::chrono::steady_clock::time_point::max();
    RunStatus status = RunStatus::Completed;
    // Checked every 10 ms on the loop: cheap, and every limit that can wait for the loop is here.
    while (true) {
        if (const int verdict = m_guardVerdict.load()) {
            status = RunStatus(verdict);
            break;
        }
        if (m_runtime->taskLimitHit()) {
            status = RunStatus::TaskLimit;
            break;
        }
        if (main->isDone()) {
            // A main ended by an uncaught CancelledError did not complete either.
            status = main->status() == script::ScriptFuture::Status::Resolved ? RunStatus::Completed
                                                                              : RunStatus::Failed;
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            status = RunStatus::DurationElapsed;
            break;
        }
        co_await QCoro::sleepFor(std::chrono::milliseconds(10));
    }
    stopGuard();
    m_runtime->engine().setInterrupted(false);
    if (main->status() == script::ScriptFuture::Status::Cancelled)
        m_mainError = QStringLiteral("CancelledError: main was cancelled");
    if (main->status() == script::ScriptFuture::Status::Failed) {
        m_runtime->markRetrieved(main); // reported as main's failure, not as an unretrieved one
        const TaskInfo* mainTask = nullptr;
        const RunSnapshot s = m_profiler.snapshot();
        for (const TaskInfo& t : s.tasks)
            if (t.id == main->taskId())
                mainTask = &t;
        m_mainError = mainTask ? mainTask->error : main->value().toString();
    }
    // Let every task end: cancelled tasks run their cleanup in callbacks of their own.
    m_runtime->cancelAll();
    for (int i = 0; i < 50 && m_runtime->unfinishedTasks() > 0; ++i)
        co_await QCoro::sleepFor(std::chrono::milliseconds(2));
    m_info.durationNs = Clock::nanosNow() - m_info.startNs;
    m_info.slowThresholdNs = m_profiler.slowCallbackThreshold().count(); // the last one, if changed
    m_info.status = status;
    m_profiler.stop();
    if (m_session) {
        // Last, after every batch: the status row is what tells a finished session from one whose
        // runner died.
        std::map<QString, QVariant> finalMeta{{QStringLiteral("duration_ns"), qlonglong(m_info.durationNs)},
                                              {QStringLiteral("status"), runStatusName(status)}};
        if (!m_mainError.isEmpty())
            finalMeta.emplace(QStringLiteral("main_error"), m_mainError);
        m_session->finish(finalMeta);
    }
    co_return status;
}

} // namespace coroscope
