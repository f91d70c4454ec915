#pragma once

#include "instrument/clock.h"
#include "instrument/eventchannel.h"

#include <QMetaObject>

#include <atomic>
#include <cstdint>

namespace coroscope {

class TaskContext;
class InstrumentedThread;

namespace detail {
// Declared here so current() inlines to a single TLS load (constinit: no TLS init wrapper call).
extern constinit thread_local InstrumentedThread* t_instrumentedThread;
} // namespace detail

/// What the loop thread publishes for the watchdog thread. Atomics only, written with relaxed
/// stores (plain moves on x86) so publishing costs the loop nothing measurable.
struct LoopPublication {
    std::atomic<Clock::Ticks> dispatchStart{0}; ///< 0 while idle / between dispatches
    std::atomic<std::uint64_t> dispatchSeq{0};
    std::atomic<std::uint64_t> runningTask{0};
    std::atomic<const QMetaObject*> receiverMeta{nullptr};
    std::atomic<int> eventType{0};
    /// Written by the watchdog: the dispatch whose stack it captured. If that dispatch ends below
    /// the threshold after all (a nested loop slept in it), the loop says so, so no phantom
    /// "ongoing" block is left behind.
    std::atomic<std::uint64_t> capturedSeq{0};
    /// "file.js:12": the script line running now (a blocking call), or nullptr. Interned string.
    std::atomic<const char*> scriptLocation{nullptr};
    /// When the loop probe's next tick is due (0: no probe). While the loop is blocked past it,
    /// the lag that tick will record is already growing: the collector says so before it fires.
    std::atomic<Clock::Ticks> probeDue{0};
};

/// Per-thread instrumentation state of one measured thread (normally the loop thread).
/// Reached through a constinit thread_local pointer: one TLS load on every hook, and nullptr on
/// threads nobody measures, whose hooks then do nothing.
class InstrumentedThread {
public:
    explicit InstrumentedThread(EventChannel& channel);
    ~InstrumentedThread();
    InstrumentedThread(const InstrumentedThread&) = delete;
    InstrumentedThread& operator=(const InstrumentedThread&) = delete;

    static InstrumentedThread* current() noexcept { return detail::t_instrumentedThread; }

    /// Makes this the current thread's instrumentation (nullptr detaches).
    static void install(InstrumentedThread* state) noexcept;

    void send(Record&& record) noexcept { m_channel.push(std::move(record)); }
    EventChannel& channel() noexcept { return m_channel; }

    // --- loop dispatch state: touched only by the owning thread -------------------------------
    int depth = 0;
    std::uint64_t dispatchSeq = 0;
    Clock::Ticks dispatchStart = 0;
    Clock::Ticks nestedIdle = 0;          ///< time a nested event loop slept inside this dispatch
    const char* scriptLocation = nullptr; ///< set by the script runtime while a line blocks
    std::uint64_t dominantTask = 0;       ///< task with the most exclusive time in this dispatch
    Clock::Ticks dominantTicks = 0;
    Clock::Ticks idleSince = 0; ///< set by aboutToBlock, cleared when work resumes
    Clock::Ticks idleAccumulated = 0;

    /// Dispatches longer than this become slow-callback records; changeable while running.
    std::atomic<Clock::Ticks> slowThreshold{0};

    LoopPublication published;

    /// Opens an idle period (the dispatcher is about to block). Inside a dispatch this is a nested
    /// event loop going to sleep: the dispatch is not busy, so the watchdog must not see it running.
    void beginIdle(Clock::Ticks now) noexcept {
        idleSince = now;
        if (depth > 0)
            published.dispatchStart.store(0, std::memory_order_relaxed);
    }

    /// Closes an idle period (aboutToBlock ... now); called when the loop starts working again.
    void endIdle(Clock::Ticks now) noexcept {
        if (idleSince == 0)
            return;
        const Clock::Ticks idle = now - idleSince;
        idleSince = 0;
        idleAccumulated += idle;
        if (depth > 0) {
            // A nested event loop (QEventLoop::exec, waitFor) slept inside this dispatch: that time
            // is not the callback's own, so the dispatch start moves forward for the watchdog too.
            nestedIdle += idle;
            published.dispatchStart.store(dispatchStart + nestedIdle, std::memory_order_relaxed);
        }
    }

private:
    EventChannel& m_channel;
};

} // namespace coroscope
