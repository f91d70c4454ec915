#pragma once

#include "instrument/taskcontext.h"

#include <QTimer>

#include <chrono>
#include <coroutine>

namespace coroscope {

/// `co_await coroscope::sleepFor(50ms)`: a traced sleep. Unlike QCoro::sleepFor it needs no
/// coroutine frame of its own, it tells the tracker its due time (so the task's scheduling delay
/// is exactly how late the loop served the timer), and it is cancel-aware: cancelling the task
/// stops the timer, so nothing stays pending after a cancellation.
class Sleep {
public:
    explicit Sleep(std::chrono::milliseconds duration)
        : m_duration(std::max(duration, std::chrono::milliseconds::zero())) {
        m_timer.setSingleShot(true);
        m_timer.setTimerType(Qt::PreciseTimer);
    }
    Sleep(const Sleep&) = delete;
    Sleep& operator=(const Sleep&) = delete;

    AwaitLabel awaitLabel() const {
        return AwaitLabel{.kind = "sleep",
                          .arg = std::int64_t(m_duration.count()),
                          .due = Clock::now() + Clock::fromDuration(m_duration)};
    }

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> awaiting) {
        // Resuming may finish the task and destroy this timer from inside its own timeout signal;
        // QTimer allows that (QCoro::sleepFor relies on it too).
        // Single-shot: awaiting the same Sleep again must not leave a second resume behind.
        QObject::connect(
            &m_timer, &QTimer::timeout, &m_timer, [awaiting] { awaiting.resume(); },
            Qt::SingleShotConnection);
        m_timer.start(m_duration);
    }
    void await_resume() const noexcept {}
    void await_cancel() noexcept {
        m_timer.stop();
        m_timer.disconnect();
    }

private:
    std::chrono::milliseconds m_duration;
    QTimer m_timer;
};

inline Sleep sleepFor(std::chrono::milliseconds duration) {
    return Sleep(duration);
}

} // namespace coroscope
