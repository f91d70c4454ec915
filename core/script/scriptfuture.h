#pragma once

#include "instrument/taskcontext.h"

#include <QJSValue>

#include <coroutine>
#include <memory>
#include <vector>

namespace coroscope::script {

/// The outcome of one script task, awaitable by any number of tasks at once (a script Task can be
/// awaited directly, inside gather() and inside race() at the same time, as in asyncio).
/// Waiters are resumed from the event loop, one callback each, never from inside the finishing
/// task: that keeps each task's time its own.
/// One suspended waiter; shared between the waiter and its queued resume.
struct WaitSlot {
    std::coroutine_handle<> handle;
    bool cancelled = false;
};

class ScriptFuture : public std::enable_shared_from_this<ScriptFuture> {
public:
    enum class Status { Pending, Resolved, Failed, Cancelled };

    Status status() const noexcept { return m_status; }
    bool isDone() const noexcept { return m_status != Status::Pending; }
    const QJSValue& value() const noexcept { return m_value; } ///< result, or the thrown JS error
    std::uint64_t taskId() const noexcept { return m_taskId; }
    void setTaskId(std::uint64_t id) noexcept { m_taskId = id; }

    void resolve(QJSValue value);
    void fail(QJSValue error);
    void cancel();

    /// Somebody received the failure: the task's error was retrieved.
    bool errorObserved() const noexcept { return m_errorObserved; }
    void markErrorObserved() noexcept { m_errorObserved = true; }

    /// Awaiter: cancel-aware (removes itself when the awaiting task is cancelled).
    class Awaiter {
    public:
        /// `kind`: what the task waits for ("task", or a primitive's "queue.get"); static storage.
        explicit Awaiter(std::shared_ptr<ScriptFuture> future, const char* kind = "task")
            : m_future(std::move(future))
            , m_kind(kind) {}
        AwaitLabel awaitLabel() const {
            return AwaitLabel{.kind = m_kind, .arg = std::int64_t(m_future->taskId())};
        }
        bool await_ready() const noexcept { return m_future->isDone(); }
        void await_suspend(std::coroutine_handle<> waiting) {
            m_slot = std::make_shared<WaitSlot>(WaitSlot{waiting, false});
            m_future->m_waiters.push_back(m_slot);
        }
        std::shared_ptr<ScriptFuture> await_resume() const noexcept { return m_future; }
        /// Refused (false) once settled: the value is already on its way to this task (an item a
        /// queue handed over), and cancelling now would lose it.
        bool await_cancel() noexcept {
            if (m_future->isDone())
                return false;
            m_slot->cancelled = true;
            m_future->removeWaiter(m_slot);
            m_future->m_abandoned = true;
            return true;
        }

    private:
        std::shared_ptr<ScriptFuture> m_future;
        const char* m_kind;
        std::shared_ptr<WaitSlot> m_slot;
    };

    /// Its only waiter was cancelled: a queue must hand its item to somebody else.
    bool isAbandoned() const noexcept { return m_abandoned; }

    /// Resumes when the first of `futures` is done (any already done: no suspension).
    class AnyAwaiter {
    public:
        /// `kind`: "gather", "race", "timeout" (static storage).
        explicit AnyAwaiter(std::vector<std::shared_ptr<ScriptFuture>> futures, const char* kind = "gather")
            : m_futures(std::move(futures))
            , m_kind(kind) {}
        AwaitLabel awaitLabel() const {
            return AwaitLabel{.kind = m_kind, .arg = std::int64_t(m_futures.size())};
        }
        bool await_ready() const noexcept {
            for (const auto& f : m_futures)
                if (f->isDone())
                    return true;
            return false;
        }
        void await_suspend(std::coroutine_handle<> waiting) {
            m_slot = std::make_shared<WaitSlot>(WaitSlot{waiting, false});
            for (const auto& f : m_futures)
                f->m_waiters.push_back(m_slot);
        }
        void await_resume() { detach(); }
        void await_cancel() noexcept {
            if (m_slot)
                m_slot->cancelled = true;
            detach();
        }

    private:
        void detach() noexcept {
            if (!m_slot)
                return;
            for (const auto& f : m_futures)
                f->removeWaiter(m_slot);
        }
        std::vector<std::shared_ptr<ScriptFuture>> m_futures;
        const char* m_kind;
        std::shared_ptr<WaitSlot> m_slot;
    };

private:
    void settle(Status status, QJSValue value);
    void removeWaiter(const std::shared_ptr<WaitSlot>& slot) noexcept;

    Status m_status = Status::Pending;
    QJSValue m_value;
    std::uint64_t m_taskId = 0;
    bool m_errorObserved = false;
    bool m_abandoned = false;
    std::vector<std::shared_ptr<WaitSlot>> m_waiters;
};

} // namespace coroscope::script
