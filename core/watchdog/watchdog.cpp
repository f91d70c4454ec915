#include "watchdog/watchdog.h"

#include "watchdog/symbolizer.h"

#include <pthread.h>

namespace coroscope {

Watchdog::Watchdog(InstrumentedThread& loop, EventChannel& output, std::chrono::milliseconds pollInterval)
    : m_loop(loop)
    , m_output(output)
    , m_pollInterval(pollInterval) {}

Watchdog::~Watchdog() {
    stop();
}

void Watchdog::start() {
    if (m_thread.joinable())
        return;
    // Every module's DWARF is loaded once (90-150 ms of CPU) so that reports are not late: on a
    // thread of its own, so the watchdog polls from the start. A program measured from its first
    // instruction (`launch`) often blocks right away (loading its configuration); waiting for the
    // warm-up, the watchdog missed those blocks' stacks. A block caught meanwhile is symbolized by
    // the watchdog itself (libbacktrace is thread-safe). At the normal priority: `run` waits for
    // the warm-up before it starts the workload.
    m_warmUp = std::jthread([this] {
        pthread_setname_np(pthread_self(), "coroscope-syms");
        Symbolizer::instance().warmUp();
        m_ready.store(true, std::memory_order_release);
    });
    m_symbolize = std::jthread([this](std::stop_token stop) {
        pthread_setname_np(pthread_self(), "coroscope-wsym");
        symbolizeLoop(stop);
    });
    m_thread = std::jthread([this](std::stop_token stop) {
        pthread_setname_np(pthread_self(), "coroscope-wdog");
        run(stop);
    });
}

void Watchdog::stop() {
    if (m_thread.joinable()) {
        m_thread.request_stop();
        m_thread.join();
    }
    // After the watchdog: every block it caught is symbolized and emitted before stop() returns.
    if (m_symbolize.joinable()) {
        m_symbolize.request_stop();
        m_symbolize.join();
    }
    if (m_warmUp.joinable())
        m_warmUp.join();
}

void Watchdog::run(std::stop_token stop) {
    const LoopPublication& pub = m_loop.published;
    while (!stop.stop_requested()) {
        std::this_thread::sleep_for(m_pollInterval);
        // seq, start, seq: the pair belongs to one dispatch only if seq did not move meanwhile.
        const std::uint64_t seq = pub.dispatchSeq.load(std::memory_order_relaxed);
        const Clock::Ticks start = pub.dispatchStart.load(std::memory_order_relaxed);
        if (start == 0 || seq == m_lastCapturedSeq || pub.dispatchSeq.load(std::memory_order_relaxed) != seq)
            continue;
        const Clock::Ticks now = Clock::now();
        if (now > start && now - start >= m_loop.slowThreshold.load(std::memory_order_relaxed))
            captureBlockedDispatch(seq, start);
    }
}

void Watchdog::captureBlockedDispatch(std::uint64_t seq, Clock::Ticks start) {
    const LoopPublication& pub = m_loop.published;
    m_lastCapturedSeq = seq;
    m_loop.published.capturedSeq.store(seq, std::memory_order_relaxed);
    std::vector<std::uintptr_t> pcs = m_sampler.capture();
    // The dispatch ended while we were capturing: the stack may belong to the next one.
    // Same seq is not enough: the dispatch may have ended and the loop gone idle (seq unchanged).
    if (pcs.empty() || pub.dispatchSeq.load(std::memory_order_relaxed) != seq ||
        pub.dispatchStart.load(std::memory_order_relaxed) == 0)
        return;
    const QMetaObject* meta = pub.receiverMeta.load(std::memory_order_relaxed);
    CapturedBlock block{.seq = seq,
                        .start = start,
                        .reported = Clock::now(),
                        .task = pub.runningTask.load(std::memory_order_relaxed),
                        .scriptLocation = pub.scriptLocation.load(std::memory_order_relaxed),
                        .eventType = int(pub.eventType.load(std::memory_order_relaxed)),
                        // The class name is static data: safe to keep and read from another thread.
                        .receiverClass = meta ? meta->className() : nullptr,
                        .pcs = std::move(pcs)};
    {
        const std::lock_guard lock(m_pendingMutex);
        if (m_pending.size() >= kMaxPendingBlocks)
            return; // the slow callback itself is still reported when it ends, without a stack
        m_pending.push_back(std::move(block));
    }
    m_pendingReady.notify_one();
}

void Watchdog::symbolizeLoop(std::stop_token stop) {
    for (;;) {
        CapturedBlock block;
        {
            std::unique_lock lock(m_pendingMutex);
            // Drains what is queued even once stop is requested.
            m_pendingReady.wait(lock, stop, [this] { return !m_pending.empty(); });
            if (m_pending.empty())
                return;
            block = std::move(m_pending.front());
            m_pending.pop_front();
        }
        QString stack = Symbolizer::format(Symbolizer::instance().resolve(block.pcs));
        m_output.push(Record::blockingStack(block.seq, block.start, block.reported, block.task,
                                            block.scriptLocation, block.eventType, block.receiverClass,
                                            std::move(stack)));
    }
}

} // namespace coroscope
