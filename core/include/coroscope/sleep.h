#pragma once

#include "instrument/taskcontext.h"

#include <QTimer>

#include <chrono>
#include <coroutine>
#include <limits>

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
        if (m_duration <= kMaxTimerInterval) {
            QObject::connect(
                &m_timer, &QTimer::timeout, &m_timer, [awaiting] { awaiting.resume(); },
                Qt::SingleShotConnection);
            m_timer.start(m_duration);
            return;
        }
        // QTimer takes an int of milliseconds (~24.8 days): longer sleeps wait in steps, or
        // 2^32 + 5 ms would wrap to 5 ms.
        const auto deadline = std::chrono::steady_clock::now() + m_duration;
        QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this, awaiting, deadline] {
            const auto left =
                std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() > 0) {
                m_timer.start(std::min(left, kMaxTimerInterval));
                return;
            }
            m_timer.disconnect();
            awaiting.resume();
        });
        m_timer.start(kMaxTimerInterval);
    }
    void await_resume() const noexcept {}
    void await_cancel() noexcept {
        m_timer.stop();
        m_timer.disconnect();
    }

private:
    static constexpr std::chrono::milliseconds kMaxTimerInterval{std::numeric_limits<int>::max()};
    std::chrono::milliseconds m_duration;
    QTimer m_timer;
};

inline Sleep sleepFor(std::chrono::milliseconds duration) {
    return Sleep(duration);
}

} // namespace coroscope
