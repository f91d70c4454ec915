// The run's guard thread: the limits that cannot wait for the loop, and the last resort when the
// loop does not come back. Every limit and signal must end the run within ~1 s whatever the
// script is doing, with the session finished and the right status.
#include "memory/memoryprobe.h"
#include "model/format.h"
#include "runner/threadfreeze.h"
#include "runner/workloadrun.h"
#include "watchdog/symbolizer.h"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace coroscope {
namespace {

using namespace std::chrono_literals;

constexpr int kExitLimitHit = 4; // `coroscope run`'s "interrupted or a limit hit"
constexpr int kExitCrashed = 5;
constexpr std::size_t kMaxCrashFrames = 48;
constexpr auto kPoll = 5ms;
/// A stop asked for while one callback has run this long: the script is interrupted.
constexpr auto kStuckAfterStop = 100ms;
/// A run that should be ending and whose loop has not come back for this long is abandoned.
constexpr auto kLoopGrace = 1s;

std::int64_t ns(std::chrono::nanoseconds d) {
    return d.count();
}

} // namespace

void WorkloadRun::requestStop(int signal) noexcept {
    if (m_stopsRequested.fetch_add(1, std::memory_order_relaxed) > 0)
        return; // asked again: the guard stops waiting for the loop
    m_stopSignal.store(signal, std::memory_order_relaxed);
    int expected = 0;
    if (m_guardVerdict.compare_exchange_strong(expected, int(RunStatus::Interrupted) + 1)) {
        m_stoppingSinceNs.store(Clock::nanosNow(), std::memory_order_relaxed);
        m_stopRequested.store(true, std::memory_order_relaxed);
    }
}

bool WorkloadRun::giveVerdict(RunStatus status, QString reason) {
    {
        // Before the verdict is visible: whoever reads it reads the reason too.
        std::lock_guard lock(m_reasonMutex);
        if (m_guardVerdict.load() != 0)
            return false;
        m_verdictReason = std::move(reason);
        int expected = 0;
        if (!m_guardVerdict.compare_exchange_strong(expected, int(status) + 1))
            return false; // a signal won in between: its reason is the signal
    }
    m_stoppingSinceNs.store(Clock::nanosNow(), std::memory_order_relaxed);
    return true;
}

QString WorkloadRun::verdictReason() const {
    if (const int signal = m_stopSignal.load(std::memory_order_relaxed);
        signal && m_stopRequested.load(std::memory_order_relaxed))
        return QString::fromLatin1(sigabbrev_np(signal) ? sigabbrev_np(signal) : "signal")
            .prepend(QStringLiteral("SIG"));
    if (m_stopRequested.load(std::memory_order_relaxed))
        return QStringLiteral("stop requested");
    std::lock_guard lock(m_reasonMutex);
    return m_verdictReason;
}

bool WorkloadRun::enterPhase(Phase next) {
    std::lock_guard lock(m_interruptMutex);
    int current = m_phase.load();
    if (current == int(Phase::Abandoned))
        return false;
    m_phase.store(int(next));
    if (next == Phase::Stopping) {
        std::int64_t zero = 0;
        m_stoppingSinceNs.compare_exchange_strong(zero, Clock::nanosNow());
        m_runtime->clearInterrupt(); // cancelled tasks run their cleanup now
    }
    return true;
}

void WorkloadRun::startGuard() {
    m_guard = std::jthread([this](std::stop_token stop) { guard(stop); });
}

void WorkloadRun::stopGuard() {
    if (m_guard.joinable()) {
        m_guard.request_stop();
        m_guard.join();
    }
}

void WorkloadRun::guard(std::stop_token stop) {
    pthread_setname_np(pthread_self(), "coroscope-guard");
    const LoopPublication& published = m_profiler.published();
    const Clock::Ticks timeoutTicks = Clock::fromDuration(m_options.scriptTimeout);
    const std::int64_t memoryLimit = m_options.memoryLimitBytes;
    const MemoryProbe memory;
    bool interruptedWhileStopping = false;
    std::uint64_t lastProgressCount = 0;
    Clock::Ticks lastProgress = 0;
    while (!stop.stop_requested()) {
        std::this_thread::sleep_for(kPoll);
        if (const auto crash = CrashCatcher::crash())
            finishAfterCrash(*crash);
        const auto phase = Phase(m_phase.load());
        if (phase == Phase::Finishing || phase == Phase::Abandoned)
            continue; // the loop writes the end of the session: never interfere with it
        const Clock::Ticks start = published.dispatchStart.load(std::memory_order_relaxed);
        // now > start first: this thread's TSC read can trail the loop's by a few ticks, and the
        // unsigned difference would wrap to ~2^64 and interrupt a healthy run.
        const Clock::Ticks now = Clock::now();
        const auto stuckFor =
            std::chrono::nanoseconds(start != 0 && now > start ? Clock::toNanos(now - start) : 0);
        const std::int64_t rss = memory.rssBytes();
        if (phase == Phase::Running && m_guardVerdict.load() == 0) {
            bool given = false;
            if (start != 0 && now > start && now - start > timeoutTicks)
                given = giveVerdict(RunStatus::Interrupted,
                                    QStringLiteral("--script-timeout %1: one callback ran longer")
                                        .arg(formatDuration(ns(m_options.scriptTimeout))));
            else if (rss > memoryLimit)
                given = giveVerdict(RunStatus::MemoryLimit,
                                    QStringLiteral("--memory-limit %1: RSS reached %2")
                                        .arg(formatBytes(double(memoryLimit)), formatBytes(double(rss))));
            if (given) {
                // Thread-safe: the engine throws "Error: Interrupted" at its next instruction.
                std::lock_guard lock(m_interruptMutex);
                if (m_phase.load() == int(Phase::Running))
                    m_runtime->interrupt();
            }
            continue;
        }
        const std::int64_t since = m_stoppingSinceNs.load(std::memory_order_relaxed);
        const auto ending = since ? std::chrono::nanoseconds(Clock::nanosNow() - since) : 0ns;
        if (phase == Phase::Running) {
            // A verdict the loop has not acted on yet. A stop from outside interrupts only a stuck
            // callback: an idle loop ends the run itself within 10 ms, its tasks cancelled cleanly.
            if (m_stopRequested.load(std::memory_order_relaxed) && stuckFor > kStuckAfterStop) {
                std::lock_guard lock(m_interruptMutex);
                if (m_phase.load() == int(Phase::Running))
                    m_runtime->interrupt();
            }
            // Stuck in native code the engine never leaves (a builtin filling a huge array), or
            // still allocating past the limit while the engine gets there: the guard ends it.
            const bool overMemory = rss > memoryLimit + memoryLimit / 8;
            if (overMemory)
                finishWithoutLoop(QStringLiteral("the loop kept allocating in native code"));
            else if (ending > kLoopGrace)
                finishWithoutLoop(QStringLiteral("the loop did not come back within %1")
                                      .arg(formatDuration(ns(kLoopGrace))));
            else if (m_stopsRequested.load() > 1)
                finishWithoutLoop(QStringLiteral("asked to stop again"));
            continue;
        }
        // Stopping: the cleanup of cancelled tasks runs script (their `finally`), which may block
        // again; first interrupt it, then give up on it. Cancelling a million tasks is one long
        // callback too, but one that makes progress: only a cleanup standing still is stuck.
        if (const std::uint64_t progress = m_runtime->cleanupProgress(); progress != lastProgressCount) {
            lastProgressCount = progress;
            lastProgress = now;
        }
        const auto stillFor =
            std::chrono::nanoseconds(start != 0 && now > std::max(start, lastProgress)
                                         ? Clock::toNanos(now - std::max(start, lastProgress))
                                         : 0);
        if (m_stopsRequested.load() > 1) {
            finishWithoutLoop(QStringLiteral("asked to stop again"));
        } else if (stillFor > kLoopGrace && !interruptedWhileStopping) {
            interruptedWhileStopping = true;
            std::lock_guard lock(m_interruptMutex);
            if (m_phase.load() == int(Phase::Stopping))
                m_runtime->interrupt();
        } else if (stillFor > 2 * kLoopGrace) {
            finishWithoutLoop(QStringLiteral("the cleanup of cancelled tasks did not come back"));
        }
    }
}

void WorkloadRun::finishWithoutLoop(const QString& why) {
    {
        std::lock_guard lock(m_interruptMutex);
        const int phase = m_phase.load();
        if (phase == int(Phase::Finishing) || phase == int(Phase::Abandoned))
            return; // the loop got there after all: it finishes the session
        m_phase.store(int(Phase::Abandoned));
    }
    // A frozen loop may hold a lock (malloc's, the session log's) that what follows needs.
    exitAfter(10s, kExitLimitHit);
    const bool frozen = freezeThread(m_loopThread, 200ms);
    const int verdict = m_guardVerdict.load();
    m_info.status = verdict ? RunStatus(verdict - 1) : RunStatus::Interrupted;
    const QString reason = verdictReason();
    m_info.endReason = (reason.isEmpty() ? QString() : reason + QStringLiteral("; ")) + why +
                       QStringLiteral(", so the guard ended the run") +
                       (frozen ? QString() : QStringLiteral(" (the loop could not be frozen)"));
    m_info.durationNs = Clock::nanosNow() - m_info.startNs;
    m_info.slowThresholdNs = m_profiler.slowCallbackThreshold().count();
    m_profiler.stopWithoutLoop();
    if (m_session)
        m_session->finish(finalMeta());
    const int code = m_lastResort ? m_lastResort() : kExitLimitHit;
    std::fflush(nullptr);
    ::_exit(code);
}

void WorkloadRun::finishAfterCrash(const LoopCrash& crash) {
    const QString signal = QStringLiteral("SIG") + QString::fromLatin1(sigabbrev_np(crash.signal));
    {
        std::lock_guard lock(m_interruptMutex);
        if (m_phase.load() == int(Phase::Abandoned))
            return;
        if (m_phase.load() == int(Phase::Finishing)) {
            // The loop was writing the end of the session itself: nothing more can be added.
            std::fprintf(stderr, "coroscope run: the runner crashed (%s) while finishing the session\n",
                         qPrintable(signal));
            ::_exit(kExitCrashed);
        }
        m_phase.store(int(Phase::Abandoned));
    }
    exitAfter(10s, kExitCrashed);
    const std::uint64_t taskId = m_profiler.published().runningTask.load(std::memory_order_relaxed);
    const QString where = m_runtime->scriptFrameOfStoppedLoop();
    m_profiler.stopWithoutLoop();
    QString taskName;
    for (const TaskInfo& t : m_profiler.snapshot().tasks)
        if (t.id == taskId)
            taskName = t.name;
    const QString inTask = (taskName.isEmpty() ? QString() : QStringLiteral(" in task '%1'").arg(taskName)) +
                           (where.isEmpty() ? QString() : QStringLiteral(" at ") + where);
    std::vector<std::uintptr_t> pcs = crash.pcs;
    if (pcs.size() > kMaxCrashFrames)
        pcs.resize(kMaxCrashFrames);
    m_info.crashStack = Symbolizer::format(Symbolizer::instance().resolve(pcs));
    if (crash.stackOverflow) {
        // A recursion the engine does not count (`yield*` into itself resumes generators in
        // C++): the script's error, as if the engine had caught it.
        m_info.status = RunStatus::Failed;
        m_mainError = QStringLiteral("RangeError: maximum recursion depth exceeded: the native stack ran "
                                     "out%1")
                          .arg(inTask);
        m_info.endReason = signal + QStringLiteral(": the loop's native stack overflowed");
    } else {
        m_info.status = RunStatus::Crashed;
        // A fault's address says what was touched; an abort's is the sender's pid, meaningless.
        const bool fault = crash.signal != SIGABRT;
        m_info.endReason =
            signal +
            (fault ? QStringLiteral(" at 0x") + QString::number(crash.faultAddress, 16) : QString()) + inTask;
    }
    m_info.durationNs = Clock::nanosNow() - m_info.startNs;
    m_info.slowThresholdNs = m_profiler.slowCallbackThreshold().count();
    if (m_session)
        m_session->finish(finalMeta());
    const int code = m_lastResort ? m_lastResort() : kExitCrashed;
    std::fflush(nullptr);
    ::_exit(code);
}

} // namespace coroscope
