#pragma once

#include "model/runinfo.h"
#include "recording/sessiondeltaqueue.h"
#include "recording/sessionwriter.h"
#include "runner/crashcatch.h"
#include "script/scriptruntime.h"
#include <coroscope/profiler.h>

#include <QObject>
#include <qcoro/qcorotask.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <thread>

namespace coroscope {

/// The options of `coroscope run` (and of a run started from the GUI).
struct RunOptions {
    QString script;
    std::chrono::nanoseconds duration{0}; ///< 0: until main returns
    std::chrono::nanoseconds slowThreshold = std::chrono::milliseconds(100);
    std::uint64_t seed = 0;
    std::vector<std::pair<QString, QString>> params;
    std::chrono::nanoseconds scriptTimeout = std::chrono::seconds(30);
    std::int64_t memoryLimitBytes = std::int64_t(2) << 30;
    std::uint64_t maxTasks = 1'000'000;
    QString displayName; ///< what reports call the script ("example:NAME"); empty: the path
    std::chrono::microseconds cpuSampleInterval{1000}; ///< the CPU profile's; 0: off
};

/// One profiled run of a workload script on this thread's (instrumented) event loop: loads the
/// script, runs `main` until it returns or a limit ends the run, and keeps what reports need.
///
/// Limits are watched from a guard thread, because the cases they exist for (a script that never
/// yields, an allocation loop) never give the loop a chance to check anything: past
/// --script-timeout or --memory-limit, or a stop asked for while a callback is stuck, the guard
/// interrupts the script (workloadguard.cpp). Where even that cannot end it (native code the
/// engine never leaves), the guard freezes the loop a second later, finishes the session itself and
/// ends the process: every limit and signal ends the run within ~1 s.
class WorkloadRun {
public:
    explicit WorkloadRun(RunOptions options);
    ~WorkloadRun();

    /// Reads and evaluates the script. On error nothing runs.
    std::optional<script::ScriptLoadError> load();

    /// Records the run into a session file at `path` (call after load(), before run()). Returns
    /// the error (file and cause) if the file cannot be created.
    std::optional<QString> recordSession(const QString& path);
    /// A write error of the session (a full disk): the run went on; what was written is kept.
    std::optional<QString> sessionError() const;
    /// What the session gave up to go on recording (a full disk: the resume segments).
    std::optional<QString> sessionWarning() const;

    /// Runs to the end; the status tells how it ended. Call once, after load().
    QCoro::Task<RunStatus> run();

    /// Ends the run as `interrupted` at the loop's next check (within ~10 ms), with the usual
    /// cleanup: tasks cancelled, the session finished. Async-signal-safe (atomic stores), so a
    /// SIGTERM handler may call it with its signal, which the summary then names; a script that
    /// never yields is interrupted in the engine too.
    void requestStop(int signal = 0) noexcept;

    /// What the guard calls on its own thread after it finished the session of a run whose loop
    /// never came back (info() then holds the status and the reason): say what the run did and
    /// return the exit code; the process ends with it right after.
    using LastResort = std::function<int()>;
    void setLastResort(LastResort lastResort) { m_lastResort = std::move(lastResort); }

    /// Changes the slow-callback threshold while the run goes on (the GUI's Run Settings): from
    /// any thread, at once for the dispatch in progress too. The session's meta follows, and its
    /// log gets a line saying when.
    void setSlowThreshold(std::chrono::nanoseconds threshold);

    const RunInfo& info() const noexcept { return m_info; }
    RunSnapshot snapshot() { return m_profiler.snapshot(); }
    script::ScriptRuntime& runtime() noexcept { return *m_runtime; }
    Profiler& profiler() noexcept { return m_profiler; }
    /// The failure of `main`, when the status is Failed.
    QString mainError() const { return m_mainError; }

private:
    /// Who may finish the session: the loop (Running -> Stopping -> Finishing) or, when the loop
    /// is stuck, the guard (Abandoned). Exactly one of them wins.
    enum class Phase : int { Running, Stopping, Finishing, Abandoned };

    void startGuard();
    void stopGuard();
    void guard(std::stop_token stop);
    /// The guard's verdict (the first one wins, with its reason). False if one was given before.
    bool giveVerdict(RunStatus status, QString reason);
    /// The loop's move to `next`; false if the guard abandoned the loop (then it must not touch
    /// the session, and waits to be frozen).
    bool enterPhase(Phase next);
    void finishWithoutLoop(const QString& why);
    [[noreturn]] static void waitToBeFrozen();
    /// The loop crashed and parked in the handler: the session is finished from the guard.
    void finishAfterCrash(const LoopCrash& crash);
    std::map<QString, QVariant> finalMeta() const;
    QString verdictReason() const;

    RunOptions m_options;
    RunInfo m_info;
    session::SessionDeltaQueue m_sessionDeltas; ///< from the profiler to the writer: outlives both
    Profiler m_profiler;
    std::unique_ptr<script::ScriptRuntime> m_runtime;
    std::unique_ptr<session::SessionWriter> m_session;
    QString m_mainError;
    std::atomic<int> m_guardVerdict{0};       ///< 0 none, else a RunStatus the guard ended the run with
    std::atomic<bool> m_stopRequested{false}; ///< requestStop(): the guard interrupts the engine
    std::atomic<int> m_stopSignal{0};         ///< the signal requestStop() was called for
    std::atomic<int> m_stopsRequested{0};     ///< a second one: the guard ends the run at once
    std::atomic<bool> m_verdictSeen{false};   ///< the guard acted on the verdict (interrupt sent)
    std::atomic<int> m_phase{int(Phase::Running)};
    std::atomic<std::int64_t> m_stoppingSinceNs{0}; ///< Clock::nanosNow() when the run began to end
    mutable std::mutex m_reasonMutex;
    QString m_verdictReason; ///< written once, by the verdict's winner
    /// Held to interrupt the script and to change the phase: an interrupt meant for a stuck
    /// callback never lands in the cleanup that follows it.
    std::mutex m_interruptMutex;
    LastResort m_lastResort;
    pthread_t m_loopThread{};
    std::optional<CrashCatcher> m_crashCatcher; ///< the loop's, for the run
    std::jthread m_guard;
};

} // namespace coroscope
