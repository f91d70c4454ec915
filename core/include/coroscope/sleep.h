#pragma once

#include "instrument/taskcontext.h"

#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>

namespace coroscope {

class Sleep;

namespace detail {
class SleepQueue;
/// The sleeps waiting on this thread, in one heap ordered by due time (sleepqueue.cpp).
/// Qt keeps its timers in one list sorted by due time and inserts by walking it from the back:
/// with a QTimer per sleep and a million tasks asleep for an hour, every short timer (a
/// sleep(0), the loop probe) walked the whole million (73 % of a run's time at 1 M tasks). Here
/// a sleep costs O(log n) and no QObject, and Qt sees no timer of theirs (one timerfd per thread).
void enqueueSleep(Sleep& sleep);
/// The event type the sleep queue posts to wake due sleeps (registered with Qt): reports name it.
int sleepWakeEventType() noexcept;
void dequeueSleep(Sleep& sleep) noexcept;
} // namespace detail

/// `co_await coroscope::sleepFor(50ms)`: a traced sleep. Unlike QCoro::sleepFor it needs no
/// coroutine frame of its own, it tells the tracker its due time (so the task's scheduling delay
/// is exactly how late the loop served it), and it is cancel-aware: cancelling the task takes the
/// sleep out of the queue, so nothing stays pending after a cancellation. Each wake-up is a
/// dispatch of its own on the loop, as a QTimer's timeout was. Any length: no int of
/// milliseconds to wrap.
class Sleep {
public:
    explicit Sleep(std::chrono::milliseconds duration)
        : m_duration(std::max(duration, std::chrono::milliseconds::zero())) {}
    Sleep(const Sleep&) = delete;
    Sleep& operator=(const Sleep&) = delete;
    ~Sleep() {
        if (m_slot != kNotQueued) // destroyed asleep: its task's frame went away
            detail::dequeueSleep(*this);
    }

    AwaitLabel awaitLabel() const {
        return AwaitLabel{.kind = "sleep",
                          .arg = std::int64_t(m_duration.count()),
                          .due = Clock::now() + Clock::fromDuration(m_duration)};
    }

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> awaiting) {
        m_awaiting = awaiting;
        m_due = std::chrono::steady_clock::now() + m_duration;
        detail::enqueueSleep(*this);
    }
    void await_resume() const noexcept {}
    void await_cancel() noexcept {
        if (m_slot != kNotQueued)
            detail::dequeueSleep(*this);
    }

private:
    friend class detail::SleepQueue;
    friend void detail::dequeueSleep(Sleep& sleep) noexcept;
    static constexpr std::size_t kNotQueued = ~std::size_t(0);
    static constexpr std::size_t kWaking = kNotQueued - 1; // due: its wake-up event is posted

    std::chrono::milliseconds m_duration;
    std::chrono::steady_clock::time_point m_due;
    std::coroutine_handle<> m_awaiting;
    std::size_t m_slot = kNotQueued; // its index in the queue's heap, or one of the two above
    std::uint64_t m_order = 0;       // FIFO among sleeps due at the same instant
};

inline Sleep sleepFor(std::chrono::milliseconds duration) {
    return Sleep(duration);
}

} // namespace coroscope
