#pragma once

#include "collect/diagnostics/diagnosticrule.h"
#include "collect/runstate.h"
#include "collect/sessiontap.h"
#include "instrument/eventchannel.h"
#include "instrument/instrumentedthread.h"
#include "model/settings.h"
#include "recording/sessiondeltaqueue.h"
#include "sampling/callingcontexttree.h"

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace coroscope {

/// Drains every producer's channel on a thread of its own, applies the records to the RunState
/// and runs the diagnostic rules. The measured loop only ever pushes into its ring; it never
/// waits for this thread.
class Collector final : private DiagnosticSink {
public:
    explicit Collector(const Settings& settings);
    ~Collector() override;
    Collector(const Collector&) = delete;
    Collector& operator=(const Collector&) = delete;

    /// A channel for one producer thread. Call before start().
    EventChannel& openChannel(std::string name, std::size_t capacity);

    /// What the measured loop publishes: a task stuck in one long callback is shown running
    /// while it runs, not only once its segment record arrives at the end. Before start().
    void watchLoop(const LoopPublication* loop) { m_loop = loop; }
    /// The CPU profile to record in the session (it is sampled `interval` apart). Before start().
    void watchCpuProfile(CallingContextTree* tree, std::chrono::microseconds interval) {
        m_cpuTree = tree;
        m_cpuInterval = interval;
    }
    void start();
    /// Stops the thread after draining what is queued.
    void stop();
    /// Drains everything queued now (from any thread; serialised with the collector thread).
    void drain();
    /// Drains, then runs the shutdown rules (task-leaked, unretrieved errors) once.
    void finish();

    RunSnapshot snapshot() const;

    /// Starts keeping what changed for a session writer (call before start()). From then on the
    /// collector thread cuts a SessionDelta every `interval` into `queue` (never waiting for it),
    /// and flushSessionTap() queues the rest.
    void enableSessionTap(session::SessionDeltaQueue& queue,
                          std::chrono::milliseconds interval = std::chrono::milliseconds(100));
    /// Drains, then queues everything not yet queued as the last delta (after the run).
    void flushSessionTap();

private:
    void run(std::stop_token stop);
    void drainLocked();
    void markLongDispatchRunningLocked();
    static constexpr std::chrono::milliseconds kRunningAfter{20};
    session::SessionDelta cutSessionDeltaLocked(bool final = false);
    /// The task blocking the loop now: its row in `d`, busy time counted up to the delta's time.
    void addOngoingBusyLocked(session::SessionDelta& d) const;
    void addCpuProfileLocked(session::SessionDelta& d) const;
    std::uint64_t channelDrops(RecordKind kind) const;
    std::uint64_t channelDropsTotal() const;
    std::uint64_t report(Diagnostic diagnostic) override;
    void revise(std::uint64_t id, Diagnostic diagnostic) override;
    void withdraw(std::uint64_t id) override;
    std::int64_t loopBlockedSinceNs() const override;
    /// See SessionDelta::lagSoFarNs.
    std::int64_t lagSoFarNs() const;

    const Settings& m_settings;
    const LoopPublication* m_loop = nullptr;
    CallingContextTree* m_cpuTree = nullptr;
    std::chrono::microseconds m_cpuInterval{0};
    mutable std::mutex m_mutex; ///< guards the state below; never taken by a measured thread
    RunState m_state;
    std::vector<std::unique_ptr<DiagnosticRule>> m_rules;
    std::map<std::uint64_t, Diagnostic> m_diagnostics; ///< by id: the order they were reported
    std::uint64_t m_nextDiagnosticId = 1;
    std::set<std::uint64_t> m_diagnosticsToSend;       ///< new or revised since the last delta
    std::vector<std::uint64_t> m_diagnosticsWithdrawn; ///< since the last delta
    std::map<QString, std::size_t> m_diagnosticsPerRule;
    std::vector<std::unique_ptr<EventChannel>> m_channels;
    bool m_finished = false;
    std::unique_ptr<session::SessionTap> m_tap;
    session::SessionDeltaQueue* m_sessionQueue = nullptr;
    std::chrono::milliseconds m_sessionInterval{100};
    std::chrono::steady_clock::time_point m_nextSessionCut;

    std::mutex m_wakeMutex;
    std::condition_variable_any m_wake;
    std::jthread m_thread;
};

} // namespace coroscope
