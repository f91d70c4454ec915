#pragma once

#include "instrument/eventchannel.h"
#include "instrument/instrumentedthread.h"
#include "watchdog/threadstacksampler.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace coroscope {

/// Watches the instrumented loop from a thread of its own. When one dispatch has run longer than
/// the slow-callback threshold and is *still running*, it captures the loop thread's native stack
/// (ThreadStackSampler) and hands it to a thread of its own that symbolizes it, off the loop, and
/// emits a BlockingStack record. So a callback that never returns is still reported, with its
/// stack, within threshold + poll + capture + symbolization time; and a slow symbolization (the
/// first one, before the tables are warm, takes ~0.5 s on a loaded machine) never keeps the
/// watchdog from catching the next block.
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
    /// A captured stack waiting for its symbols, with what the loop published about the dispatch.
    struct CapturedBlock {
        std::uint64_t seq = 0;
        Clock::Ticks start = 0;
        Clock::Ticks reported = 0;
        std::uint64_t task = 0;
        const char* scriptLocation = nullptr;
        int eventType = 0;
        const char* receiverClass = nullptr;
        std::vector<std::uintptr_t> pcs;
    };
    /// Blocks waiting for symbols at once; more are dropped (and a block lasts at least the
    /// threshold, so this is seconds of backlog).
    static constexpr std::size_t kMaxPendingBlocks = 16;

    void run(std::stop_token stop);
    void captureBlockedDispatch(std::uint64_t seq, Clock::Ticks start);
    void symbolizeLoop(std::stop_token stop);

    InstrumentedThread& m_loop;
    EventChannel& m_output;
    std::chrono::milliseconds m_pollInterval;
    ThreadStackSampler m_sampler;
    std::uint64_t m_lastCapturedSeq = 0;
    std::atomic<bool> m_ready{false};
    std::mutex m_pendingMutex;
    std::condition_variable_any m_pendingReady;
    std::deque<CapturedBlock> m_pending;
    std::jthread m_warmUp;    ///< loads the symbolizer's tables, then ends
    std::jthread m_symbolize; ///< the only producer of m_output
    std::jthread m_thread;
};

} // namespace coroscope
