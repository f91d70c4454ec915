#pragma once

#include "taskcontext.h"

#include <QTimer>

#include <chrono>
#include <coroutine>

namespace coroscope {

/// `co_await coroscope::sleepFor(50ms)`: a traced sleep. Unlike QCoro::sleepFor it needs no
/// coroutine frame of its own, and it tells the tracker its due time, so the task's scheduling
/// delay is exactly how late the loop served the timer.
class Sleep {
public:
    explicit Sleep(std::chrono::milliseconds duration) noexcept
        : m_duration(duration < std::chrono::milliseconds::zero() ? std::chrono::milliseconds::zero() : duration) {}

    AwaitLabel awaitLabel() const {
        return AwaitLabel{.kind = "sleep",
                          .arg = std::int64_t(m_duration.count()),
                          .due = Clock::now() + Clock::fromDuration(m_duration)};
    }

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> awaiting) const {
        QTimer::singleShot(m_duration, Qt::PreciseTimer, [awaiting] { awaiting.resume(); });
    }
    void await_resume() const noexcept {}

private:
    std::chrono::milliseconds m_duration;
};

inline Sleep sleepFor(std::chrono::milliseconds duration) noexcept { return Sleep(duration); }

} // namespace coroscope
