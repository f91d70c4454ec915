#pragma once

#include "instrument/awaitlabel.h"
#include "instrument/relay.h"
#include "instrument/taskcontext.h"

#include <qcoro/qcorotask.h>

#include <coroutine>
#include <exception>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace coroscope {

template <typename T = void>
class Task;

namespace detail {

/// Awaits a QTimer's next timeout, like QCoro's awaiter, but cancel-aware: QCoro 0.8's keeps a
/// connection whose lambda captures the awaiter, which a cancelled task frees (a use-after-free
/// on the next timeout; test_cancellation guards it).
class TimerAwaiter {
public:
    explicit TimerAwaiter(QTimer* timer) noexcept
        : m_timer(timer) {}
    bool await_ready() const noexcept { return !m_timer || !m_timer->isActive(); }
    void await_suspend(std::coroutine_handle<> awaiting) {
        m_connection = QObject::connect(
            m_timer, &QTimer::timeout, m_timer, [awaiting] { awaiting.resume(); }, Qt::SingleShotConnection);
    }
    void await_resume() const noexcept {}
    void await_cancel() noexcept { QObject::disconnect(m_connection); }

private:
    QTimer* m_timer;
    QMetaObject::Connection m_connection;
};

/// The awaiter QCoro would use for `A`: its operator co_await, QCoro's awaiter_type for Qt
/// types (QNetworkReply*, QFuture, ...), or the awaitable itself; our own for QTimer.
template <typename A>
decltype(auto) innerAwaiter(A&& awaitable) {
    if constexpr (std::is_same_v<std::remove_cvref_t<A>, QTimer*>)
        return TimerAwaiter(awaitable);
    else if constexpr (std::is_same_v<std::remove_cvref_t<A>, QTimer>)
        return TimerAwaiter(&awaitable);
    else if constexpr (requires { std::forward<A>(awaitable).operator co_await(); })
        return std::forward<A>(awaitable).operator co_await();
    else if constexpr (requires { operator co_await(std::forward<A>(awaitable)); })
        return operator co_await(std::forward<A>(awaitable));
    else if constexpr (requires { typename QCoro::detail::awaiter_type<std::remove_cvref_t<A>>::type; })
        return QCoro::detail::awaiter_type_t<std::remove_cvref_t<A>>{awaitable};
    else
        return std::forward<A>(awaitable); // a reference: it lives until the co_await finishes
}

/// Wraps every co_await of a traced task: ends the resume segment before suspending, hands the
/// inner awaiter a relay instead of the task's handle (so cancellation is safe), starts a new
/// segment on resume, and delivers CancelledError at the await point.
template <typename Inner>
class TracedAwaiter {
public:
    TracedAwaiter(TaskContext& context, Inner&& inner, AwaitLabel label)
        : m_context(context)
        , m_inner(std::forward<Inner>(inner))
        , m_label(std::move(label)) {}

    bool await_ready() {
        if (m_context.cancelRequested())
            return true; // deliver the cancellation without suspending
        return m_inner.await_ready();
    }

    template <typename Promise>
    auto await_suspend(std::coroutine_handle<Promise> self) {
        // Record the suspension *before* the inner await_suspend: it may resume us synchronously,
        // and after it returns this awaiter may already be gone.
        m_suspended = true;
        m_context.endSegment(&m_label);
        if constexpr (requires { m_inner.await_cancel(); }) {
            // Cancel-aware (our own awaitables): no relay needed, nothing left pending on cancel.
            m_context.attachCancelHook(&cancelInner, &m_inner, m_label);
            return m_inner.await_suspend(self);
        } else {
            return suspendThroughRelay(self);
        }
    }

    decltype(auto) await_resume() {
        if (m_suspended) {
            m_context.takeDirectResume();
            m_context.beginSegment(Clock::now());
        }
        if (m_context.takeCancellation())
            throw CancelledError();
        return m_inner.await_resume();
    }

private:
    static bool cancelInner(void* inner) noexcept {
        auto* awaiter = static_cast<std::remove_reference_t<Inner>*>(inner);
        if constexpr (std::is_same_v<decltype(awaiter->await_cancel()), bool>)
            return awaiter->await_cancel();
        else {
            awaiter->await_cancel();
            return true;
        }
    }

    template <typename Promise>
    auto suspendThroughRelay(std::coroutine_handle<Promise> self) {
        Relay relay = makeRelay(self, &m_context);
        m_context.attachRelay(&relay.handle.promise(), m_label);
        using Result = decltype(m_inner.await_suspend(relay.handle));
        try {
            if constexpr (std::is_void_v<Result>) {
                m_inner.await_suspend(relay.handle);
            } else if constexpr (std::is_same_v<Result, bool>) {
                if (!m_inner.await_suspend(relay.handle)) {
                    // Not suspended after all: the relay was never handed out for keeps.
                    m_context.detachRelay();
                    relay.handle.destroy();
                    return false;
                }
                return true;
            } else {
                return std::coroutine_handle<>(m_inner.await_suspend(relay.handle));
            }
        } catch (...) {
            m_context.detachRelay();
            relay.handle.destroy();
            m_context.beginSegment(Clock::now());
            m_suspended = false;
            throw;
        }
    }

    TaskContext& m_context;
    Inner m_inner;
    AwaitLabel m_label;
    bool m_suspended = false;
};

template <typename A>
auto makeTracedAwaiter(TaskContext& context, A&& awaitable, const std::source_location& where) {
    AwaitLabel label = describeAwaitable(awaitable);
    label.file = where.file_name();
    label.line = int(where.line());
    using Inner = decltype(innerAwaiter(std::forward<A>(awaitable)));
    return TracedAwaiter<Inner>(context, innerAwaiter(std::forward<A>(awaitable)), std::move(label));
}

class TaskPromiseBase : public TaskContext {
public:
    /// Eager, like QCoro::Task: the body runs at once, as the first resume segment.
    auto initial_suspend() noexcept {
        struct Start {
            TaskPromiseBase& promise;
            bool await_ready() const noexcept { return true; }
            void await_suspend(std::coroutine_handle<>) const noexcept {}
            void await_resume() const noexcept { promise.beginSegment(Clock::now()); }
        };
        return Start{*this};
    }

    template <typename Promise>
    struct FinalAwaiter {
        bool await_ready() const noexcept { return false; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
            Promise& promise = self.promise();
            const std::coroutine_handle<> continuation = promise.m_continuation;
            if (!continuation && promise.m_detached) {
                self.destroy(); // nobody holds the Task any more: free the frame now
                return std::noop_coroutine();
            }
            return continuation ? continuation : std::noop_coroutine();
        }
        void await_resume() const noexcept {}
    };

    void unhandled_exception() noexcept {
        m_exception = std::current_exception();
        recordOutcome(m_exception);
    }

    /// `where`: the co_await itself (the compiler calls this at the await with the default
    /// argument evaluated there), the task's await site.
    template <typename A>
    auto await_transform(A&& awaitable, std::source_location where = std::source_location::current()) {
        return makeTracedAwaiter(*this, std::forward<A>(awaitable), where);
    }

    void setContinuation(std::coroutine_handle<> continuation) noexcept { m_continuation = continuation; }
    bool hasContinuation() const noexcept { return bool(m_continuation); }
    void detach() noexcept { m_detached = true; }

protected:
    void endBody() noexcept {
        endSegment(nullptr);
        finish();
    }
    void rethrowIfFailed() {
        if (m_exception) {
            markErrorRetrieved();
            std::rethrow_exception(m_exception);
        }
    }

    std::exception_ptr m_exception;
    std::coroutine_handle<> m_continuation;
    bool m_detached = false;
};

template <typename T>
class TaskPromise final : public TaskPromiseBase {
public:
    Task<T> get_return_object() noexcept;

    auto final_suspend() noexcept {
        endBody();
        return FinalAwaiter<TaskPromise>{};
    }

    void return_value(T value) noexcept(std::is_nothrow_move_constructible_v<T>) {
        m_value.template emplace<1>(std::move(value));
    }

    T takeResult() {
        rethrowIfFailed();
        return std::move(std::get<1>(m_value));
    }

private:
    std::variant<std::monostate, T> m_value;
};

template <>
class TaskPromise<void> final : public TaskPromiseBase {
public:
    Task<void> get_return_object() noexcept;

    auto final_suspend() noexcept {
        endBody();
        return FinalAwaiter<TaskPromise>{};
    }
    void return_void() noexcept {}
    void takeResult() { rethrowIfFailed(); }
};

} // namespace detail

/// A traced coroutine task. Like QCoro::Task<T> (eager; co_await it for the result or the
/// exception) but every resume segment, await, failure and cancellation is recorded, and it can
/// be cancelled. Inside it, co_await works on everything QCoro can await.
///
/// Dropping a Task before it finishes detaches it: it runs on and frees itself at the end.
template <typename T>
class [[nodiscard]] Task {
public:
    using promise_type = detail::TaskPromise<T>;
    using value_type = T;

    Task() noexcept = default;
    explicit Task(std::coroutine_handle<promise_type> handle) noexcept
        : m_handle(handle) {}
    Task(Task&& other) noexcept
        : m_handle(std::exchange(other.m_handle, {})) {}
    Task& operator=(Task&& other) noexcept {
        if (this != &other) {
            release();
            m_handle = std::exchange(other.m_handle, {});
        }
        return *this;
    }
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;
    ~Task() { release(); }

    bool isValid() const noexcept { return bool(m_handle); }
    bool isDone() const noexcept { return !m_handle || m_handle.done(); }
    std::uint64_t id() const noexcept { return m_handle ? m_handle.promise().id() : 0; }
    TaskState state() const noexcept { return m_handle ? m_handle.promise().state() : TaskState::Completed; }

    /// See TaskContext::requestCancel(). No effect on a finished task.
    void cancel() {
        if (m_handle && !m_handle.done())
            m_handle.promise().requestCancel();
    }

    /// Somebody received this failed task's error another way (a script awaited its future).
    void acknowledgeError() noexcept {
        if (m_handle)
            m_handle.promise().markErrorRetrieved();
    }

    AwaitLabel awaitLabel() const {
        AwaitLabel label{.kind = "task", .arg = std::int64_t(id())};
        if (m_handle && !m_handle.done())
            label.awaitedTask = &m_handle.promise();
        return label;
    }

    auto operator co_await() const& noexcept { return Awaiter{m_handle}; }
    auto operator co_await() const&& noexcept { return Awaiter{m_handle}; }

private:
    struct Awaiter {
        std::coroutine_handle<promise_type> handle;
        bool await_ready() const {
            if (!handle || handle.done())
                return true;
            // One awaiter at a time (a second would replace the first, which would then never
            // resume); script tasks that many await share a ScriptFuture instead. Thrown here, before
            // any suspension, so the awaiting coroutine's own try/catch sees it.
            if (handle.promise().hasContinuation())
                throw std::logic_error("a coroscope::Task is already awaited by another coroutine");
            return false;
        }
        void await_suspend(std::coroutine_handle<> awaiting) noexcept {
            handle.promise().setContinuation(awaiting);
        }
        T await_resume() { return handle.promise().takeResult(); }
    };

    void release() noexcept {
        if (!m_handle)
            return;
        m_handle.promise().markReleased();
        if (m_handle.done())
            m_handle.destroy();
        else
            m_handle.promise().detach();
        m_handle = {};
    }

    std::coroutine_handle<promise_type> m_handle;
};

namespace detail {
template <typename T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
    auto handle = std::coroutine_handle<TaskPromise>::from_promise(*this);
    onCreated(handle);
    return Task<T>{handle};
}
inline Task<void> TaskPromise<void>::get_return_object() noexcept {
    auto handle = std::coroutine_handle<TaskPromise>::from_promise(*this);
    onCreated(handle);
    return Task<void>{handle};
}
} // namespace detail

} // namespace coroscope
