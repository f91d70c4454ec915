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
    const std::vector<std::uintptr_t> pcs = m_sampler.capture();
    // The dispatch ended while we were capturing: the stack may belong to the next one.
    // Same seq is not enough: the dispatch may have ended and the loop gone idle (seq unchanged).
    if (pcs.empty() || pub.dispatchSeq.load(std::memory_order_relaxed) != seq ||
        pub.dispatchStart.load(std::memory_order_relaxed) == 0)
        return;
    QString stack = Symbolizer::format(Symbolizer::instance().resolve(pcs));
    const QMetaObject* meta = pub.receiverMeta.load(std::memory_order_relaxed);
    // The class name is static data: safe to read from this thread.
    m_output.push(Record::blockingStack(seq, start, Clock::now(),
                                        pub.runningTask.load(std::memory_order_relaxed),
                                        pub.scriptLocation.load(std::memory_order_relaxed),
                                        int(pub.eventType.load(std::memory_order_relaxed)),
                                        meta ? meta->className() : nullptr, std::move(stack)));
}

} // namespace coroscope
