#pragma once

#include "instrument/eventchannel.h"
#include "instrument/instrumentedthread.h"
#include "watchdog/threadstacksampler.h"

#include <atomic>
#include <chrono>
#include <thread>

namespace coroscope {

/// Watches the instrumented loop from a thread of its own. When one dispatch has run longer than
/// the slow-callback threshold and is *still running*, it captures the loop thread's native stack
/// (ThreadStackSampler), symbolizes it here, off the loop, and emits a BlockingStack record. So a
/// callback that never returns is still reported, with its stack, within threshold + poll +
/// capture time.
class Watchdog {
public:
    /// Construct on the loop thread (the sampler binds to the constructing thread).
    Watchdog(InstrumentedThread& loop, EventChannel& output, std::chrono::milliseconds pollInterval);
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    void start();
    void stop();
    /// True once the symbolizer is warm: from then on a block is reported within
    /// threshold + poll interval + a few ms. A block caught before waits for its symbols.
    bool isReady() const noexcept { return m_ready.load(std::memory_order_acquire); }

private:
    void run(std::stop_token stop);
    void captureBlockedDispatch(std::uint64_t seq, Clock::Ticks start);

    InstrumentedThread& m_loop;
    EventChannel& m_output;
    std::chrono::milliseconds m_pollInterval;
    ThreadStackSampler m_sampler;
    std::uint64_t m_lastCapturedSeq = 0;
    std::atomic<bool> m_ready{false};
    std::jthread m_warmUp; ///< loads the symbolizer's tables, then ends
    std::jthread m_thread;
};

} // namespace coroscope
