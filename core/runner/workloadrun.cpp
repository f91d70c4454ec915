#include "runner/workloadrun.h"

#include "instrument/instrumentedthread.h"
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
    settings.cpuSampleInterval = options.cpuSampleInterval;
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

std::optional<QString> WorkloadRun::sessionError() const {
    return m_session ? m_session->error() : std::nullopt;
}

std::optional<QString> WorkloadRun::sessionWarning() const {
    return m_session ? m_session->warning() : std::nullopt;
}

std::map<QString, QVariant> WorkloadRun::finalMeta() const {
    std::map<QString, QVariant> meta{{QStringLiteral("duration_ns"), qlonglong(m_info.durationNs)},
                                     {QStringLiteral("status"), runStatusName(m_info.status)},
                                     {QStringLiteral("main_ended_ns"), qlonglong(m_info.mainEndedNs)}};
    if (!m_mainError.isEmpty())
        meta.emplace(QStringLiteral("main_error"), m_mainError);
    if (!m_info.endReason.isEmpty())
        meta.emplace(QStringLiteral("end_reason"), m_info.endReason);
    if (!m_info.crashStack.isEmpty())
        meta.emplace(QStringLiteral("crash_stack"), m_info.crashStack);
    return meta;
}

void WorkloadRun::waitToBeFrozen() {
    // The guard gave up on this loop and finishes the session itself; it freezes this thread and
    // ends the process within moments. Touch nothing meanwhile.
    for (;;)
        std::this_thread::sleep_for(std::chrono::seconds(1));
}

QCoro::Task<RunStatus> WorkloadRun::run() {
    m_loopThread = pthread_self();
    m_crashCatcher.emplace();
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
    // Checked every 10 ms on the loop: cheap, and every limit that can wait for the loop is here.
    // The guard gives its verdicts (timeout, memory, signals) into the same slot: the first wins.
    while (m_guardVerdict.load() == 0) {
        if (m_runtime->taskLimitHit())
            giveVerdict(RunStatus::TaskLimit, QStringLiteral("--max-tasks %1").arg(m_options.maxTasks));
        else if (main->isDone())
            // A main ended by an uncaught CancelledError did not complete either.
            giveVerdict(main->status() == script::ScriptFuture::Status::Resolved ? RunStatus::Completed
                                                                                 : RunStatus::Failed,
                        QString());
        else if (std::chrono::steady_clock::now() >= deadline)
            giveVerdict(RunStatus::DurationElapsed,
                        QStringLiteral("--duration %1").arg(formatDuration(m_options.duration.count())));
        else
            co_await QCoro::sleepFor(std::chrono::milliseconds(10));
    }
    const auto status = RunStatus(m_guardVerdict.load() - 1);
    m_info.mainEndedNs = Clock::nanosNow(); // what is alive now is what main left behind
    if (!enterPhase(Phase::Stopping))
        waitToBeFrozen();
    m_info.endReason = verdictReason();
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
    // Let every task end: cancelled tasks run their cleanup in callbacks of their own. In slices,
    // each run before the next is cancelled while the collector keeps up: 100 000 tasks cancelled
    // at once outran the loop thread's channel (13 061 events dropped, the tasks shown leaked).
    constexpr std::size_t kCancelSlice = 2000;
    const EventChannel* channel =
        InstrumentedThread::current() ? &InstrumentedThread::current()->channel() : nullptr;
    while (m_runtime->cancelAll(kCancelSlice)) {
        co_await QCoro::sleepFor(std::chrono::milliseconds(1));
        for (int i = 0; i < 100 && channel && channel->queued() > channel->capacity() / 4; ++i)
            co_await QCoro::sleepFor(std::chrono::milliseconds(1));
    }
    for (int i = 0; i < 50 && m_runtime->unfinishedTasks() > 0; ++i)
        co_await QCoro::sleepFor(std::chrono::milliseconds(2));
    if (!enterPhase(Phase::Finishing))
        waitToBeFrozen();
    stopGuard();
    m_info.durationNs = Clock::nanosNow() - m_info.startNs;
    m_info.slowThresholdNs = m_profiler.slowCallbackThreshold().count(); // the last one, if changed
    m_info.status = status;
    m_profiler.stop();
    if (m_session)
        // Last, after every batch: the status row is what tells a finished session from one whose
        // runner died.
        m_session->finish(finalMeta());
    co_return status;
}

} // namespace coroscope
