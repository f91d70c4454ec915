#pragma once

#include <cstdint>
#include <string_view>

namespace coroscope {

/// Lifecycle of a traced coroutine task.
enum class TaskState : std::uint8_t { Created, Scheduled, Running, Suspended, Completed, Failed, Cancelled };

constexpr int kTaskStateCount = 7;

constexpr std::string_view taskStateName(TaskState s) noexcept {
    switch (s) {
    case TaskState::Created:
        return "created";
    case TaskState::Scheduled:
        return "scheduled";
    case TaskState::Running:
        return "running";
    case TaskState::Suspended:
        return "suspended";
    case TaskState::Completed:
        return "completed";
    case TaskState::Failed:
        return "failed";
    case TaskState::Cancelled:
        return "cancelled";
    }
    return "unknown";
}

constexpr bool isFinished(TaskState s) noexcept {
    return s == TaskState::Completed || s == TaskState::Failed || s == TaskState::Cancelled;
}

} // namespace coroscope
