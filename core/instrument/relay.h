#pragma once

#include <coroutine>
#include <cstddef>

namespace coroscope {
class TaskContext;
}

namespace coroscope::detail {

class RelayPromise;

/// A tiny coroutine handed to an inner awaiter *instead of* the traced task's own handle.
///
/// Why: QCoro 0.8 awaiters keep the handle they were given and resume it later. To cancel a
/// suspended task we resume it ourselves; if the inner awaiter still held the task's handle it
/// would resume a finished (or destroyed) frame later. Holding a relay instead, it resumes the
/// relay, which forwards to the task only if the task still waits for it (not abandoned).
/// The relay frees itself after firing; an abandoned relay that is never fired leaks ~100 bytes,
/// like the QCoro frame that holds it. Frames come from a per-thread pool (no malloc per await).
struct Relay {
    using promise_type = RelayPromise;
    std::coroutine_handle<RelayPromise> handle;
};

class RelayPromise {
public:
    Relay get_return_object() noexcept { return {std::coroutine_handle<RelayPromise>::from_promise(*this)}; }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    std::suspend_never final_suspend() const noexcept { return {}; }
    void return_void() noexcept {}
    [[noreturn]] void unhandled_exception() noexcept;

    static void* operator new(std::size_t size);
    static void operator delete(void* frame, std::size_t size) noexcept;

    /// The task will be resumed another way (cancellation) or is gone: firing does nothing.
    void abandon() noexcept { context = nullptr; }

    std::coroutine_handle<> target;
    TaskContext* context = nullptr;
};

/// A suspended relay that resumes `target` (whose context is `context`) when it is resumed.
Relay makeRelay(std::coroutine_handle<> target, TaskContext* context);

} // namespace coroscope::detail
