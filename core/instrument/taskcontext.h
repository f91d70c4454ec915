#pragma once

#include "instrument/clock.h"
#include "model/taskstate.h"

#include <QString>

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <source_location>
#include <stdexcept>

namespace coroscope {

/// Thrown at the await point of a cancelled task. Letting it propagate ends the task `cancelled`;
/// catching it and going on is allowed (the cancellation was refused, as in asyncio).
class CancelledError : public std::exception {
public:
    const char* what() const noexcept override { return "task cancelled"; }
};

/// An error whose what() is already the whole message a user should read (a script's error with
/// its JS stack): a failed task shows it as is, without the C++ exception type in front.
class UserError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class TaskContext;

/// What a suspended task waits for: shown in the task table and used by the stuck-task rule.
struct AwaitLabel {
    const char* kind = "await";         ///< static string: "sleep", "task", "timer", "network", ...
    std::int64_t arg = 0;               ///< per kind: milliseconds for sleep, task id for task
    Clock::Ticks due = 0;               ///< when it is expected to be ready (0: when it resumes us)
    QString detail;                     ///< optional free text (a URL, a queue name)
    TaskContext* awaitedTask = nullptr; ///< a traced task we wait for: cancelling us cancels it too
    const char* file = nullptr;         ///< where the co_await is (static string), null: unknown
    int line = 0;
};

namespace detail {
class RelayPromise;
} // namespace detail

namespace heap {
struct Account;
} // namespace heap

/// The non-template half of every traced task's promise: identity, resume segments, lifecycle
/// records and cancellation. All members are touched only by the thread the task runs on.
class TaskContext {
public:
    TaskContext() noexcept;
    ~TaskContext();
    TaskContext(const TaskContext&) = delete;
    TaskContext& operator=(const TaskContext&) = delete;

    std::uint64_t id() const noexcept { return m_id; }
    std::uint64_t parentId() const noexcept { return m_parent; }
    TaskState state() const noexcept { return m_state; }
    bool cancelRequested() const noexcept { return m_cancelRequested; }

    /// The task whose code runs right now on this thread (nullptr outside any traced task).
    static TaskContext* running() noexcept;

    /// Requests cancellation (call on the task's thread). A suspended task is resumed from the event
    /// loop with CancelledError at its await point; a running one gets it at its next await.
    void requestCancel();

    /// Cancels every unfinished traced task created on this thread; returns how many.
    static int cancelAllOnThisThread();
    /// Unfinished traced tasks created on this thread.
    static int liveCountOnThisThread() noexcept;

    // --- used by the promise and awaiters of Task<T> (hot path) -------------------------------
    void onCreated(std::coroutine_handle<> handle) noexcept;
    /// Starts a resume segment at `now`; its ready time is the sleep's due time, the cancel time,
    /// or `now` (resumed the moment it became ready).
    void beginSegment(Clock::Ticks now) noexcept;
    void endSegment(const AwaitLabel* awaiting) noexcept;
    /// Starts one await of the caller's (a script's `yield` at "file.js:N", static storage): its
    /// suspensions are charged there instead of to the co_await's own source location, and the
    /// suspensions after the first (a gather woken as each of its tasks ends) continue it, so the
    /// await counts once, from its first suspension to its last resume.
    void beginAwaitAt(const char* location) noexcept {
        m_awaitLocation = location;
        m_awaitContinues = false;
    }
    void recordOutcome(std::exception_ptr error) noexcept;
    void finish() noexcept;
    void markReleased() noexcept;
    void markErrorRetrieved() noexcept;
    /// True once: the pending cancellation is delivered now (the caller throws CancelledError).
    bool takeCancellation() noexcept;

    void attachRelay(detail::RelayPromise* relay, const AwaitLabel& label) noexcept;
    void detachRelay() noexcept;
    void relayFired() noexcept;
    /// A cancel-aware awaiter (one with await_cancel()) holds the task's own handle, no relay:
    /// cancelling calls `cancel(awaiter)` first, so it can never resume the task afterwards.
    /// The hook returns false when its resume is already on its way with a value that must not be
    /// lost (an item handed over by a queue): the task then gets the value, and the cancellation
    /// at its next await.
    using CancelHook = bool (*)(void* awaiter) noexcept;
    void attachCancelHook(CancelHook cancel, void* awaiter, const AwaitLabel& label) noexcept;
    /// On resume: true if a cancel-aware awaiter (not the canceller) resumed us; detaches the hook.
    bool takeDirectResume() noexcept;

private:
    void pauseExclusive(Clock::Ticks now) noexcept;

    std::uint64_t m_id;
    std::uint64_t m_parent = 0;
    std::coroutine_handle<> m_handle;
    TaskState m_state = TaskState::Created;
    bool m_cancelRequested = false;
    bool m_cancelDeferred = false; ///< refused by the awaiter: skip this resume, deliver at the next
    bool m_errorRetrieved = false;
    Clock::Ticks m_segmentStart = 0;
    Clock::Ticks m_exclusiveStart = 0;
    Clock::Ticks m_exclusive = 0;
    Clock::Ticks m_ready = 0;
    Clock::Ticks m_due = 0;
    Clock::Ticks m_cancelledAt = 0;       ///< ready time of a resume caused by cancellation
    TaskContext* m_interrupted = nullptr; ///< the task this segment runs nested inside
    detail::RelayPromise* m_relay = nullptr;
    CancelHook m_cancelHook = nullptr;
    void* m_cancelHookAwaiter = nullptr;
    TaskContext* m_awaitedTask = nullptr;
    const char* m_awaitLocation = nullptr; ///< beginAwaitAt()'s; null: each co_await is its own site
    bool m_awaitContinues = false;
    heap::Account* m_account; ///< what its allocations are charged to (null without the interposer)
    QString m_error;
    // Intrusive list of live tasks on this thread: O(1), no allocation.
    TaskContext* m_prevLive = nullptr;
    TaskContext* m_nextLive = nullptr;
};

/// Names the next traced task created on this thread and records where it was spawned.
/// Prefer spawn(), which scopes the name to one call.
void setNextTaskName(QString name, std::source_location where = std::source_location::current());
/// The same with a location of the caller's choosing (a script line): `file` must stay valid for
/// the life of the process (see internStableString()).
void setNextTaskName(QString name, const char* file, int line);
/// A stable copy of a string (spawn file names, metric names): one per distinct value, never
/// freed, so records can carry it as a static label.
const char* internStableString(const QString& file);

/// Records one value of latency metric `name` (a duration) from the current thread; it shows in
/// RunSnapshot::latency with its percentiles. Names are interned: a run should use a few.
void recordMetric(const QString& name, std::chrono::nanoseconds value);

/// Attributes `bytes` of heap to task `taskId` (allocated) or takes them back (freed).
void recordAllocation(std::uint64_t taskId, std::int64_t bytes, bool freed);
void clearNextTaskName() noexcept;

/// Calls `factory` (which creates a traced task) with `name` as the new task's name.
template <typename Factory>
auto spawn(QString name, Factory&& factory, std::source_location where = std::source_location::current()) {
    setNextTaskName(std::move(name), where);
    struct Clear {
        ~Clear() { clearNextTaskName(); }
    } clear;
    return std::forward<Factory>(factory)();
}

} // namespace coroscope
