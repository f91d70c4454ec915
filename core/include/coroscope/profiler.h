#pragma once

#include "collect/collector.h"
#include "instrument/instrumentedthread.h"
#include "instrument/loopprobe.h"
#include "memory/memorysampler.h"
#include "model/settings.h"
#include "sampling/cpusampler.h"
#include "watchdog/watchdog.h"

#include <atomic>
#include <chrono>
#include <memory>

namespace coroscope {

/// Instruments the calling thread's event loop: the one object an application creates.
///
/// Construct it on the loop thread after the application object (an Instrumented<...>
/// application, whose notify() feeds the dispatch timing), then start(). It owns the collector
/// thread, the watchdog thread, the memory sampler thread and the loop probe; stop() ends them,
/// drains every record and runs the shutdown rules.
class Profiler {
public:
    explicit Profiler(Settings settings = {});
    ~Profiler();
    Profiler(const Profiler&) = delete;
    Profiler& operator=(const Profiler&) = delete;

    void start();
    void stop();
    /// stop() for a loop that will never run again (frozen by a runner's guard after it stuck in
    /// native code, or crashed): from any thread. Ends everything but the loop's own probe, which
    /// only the loop could stop, and queues the session's last delta.
    void stopWithoutLoop();
    bool isRunning() const noexcept { return m_running; }
    /// See Watchdog::isReady().
    bool isWatchdogReady() const noexcept { return m_watchdog.isReady(); }

    /// Applies at once, also to a dispatch in progress. Safe from any thread.
    void setSlowCallbackThreshold(std::chrono::nanoseconds threshold);
    std::chrono::nanoseconds slowCallbackThreshold() const;

    /// Records what changes into `queue` for a session writer, a delta every ~100 ms; stop()
    /// queues the last one. Call before start(); `queue` must outlive the profiler.
    void tapSession(session::SessionDeltaQueue& queue) { m_collector.enableSessionTap(queue); }

    /// Everything recorded so far (drains queued records first).
    RunSnapshot snapshot();
    const Settings& settings() const noexcept { return m_settings; }
    /// What the measured loop publishes (dispatch in progress, running task): for guards that
    /// watch the loop from other threads.
    const LoopPublication& published() const noexcept { return m_thread.published; }

private:
    Settings m_settings;
    std::atomic<std::int64_t> m_slowThresholdNs; ///< settable from any thread (the GUI's live change)
    Collector m_collector;
    EventChannel& m_loopChannel;
    EventChannel& m_watchdogChannel;
    EventChannel& m_memoryChannel;
    InstrumentedThread m_thread;
    LoopProbe m_probe;
    Watchdog m_watchdog;
    MemorySampler m_memory;
    CpuSampler m_cpu;
    bool m_running = false;
};

} // namespace coroscope
