#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace coroscope {

/// The tasks that held the most heap, for the session's per-task memory series
/// (docs/session-format.md, `task_memory`), and the heap attributed to all tasks together.
///
/// The top tasks are those with the highest *peak* live heap seen so far, not the highest now:
/// a task enters when its live heap passes the smallest peak of the set, and leaves only when
/// another's passes its peak. So the set changes rarely and only towards larger tasks, and the
/// stacked chart keeps its layers from one refresh to the next (a ranking by current bytes
/// reshuffled them every time two tasks crossed). A leak climbs in and stays; a task that peaked
/// and gave its memory back still shows when it held it.
///
/// Fed from where the collector already reads a task's heap (TaskTable: the end of each segment,
/// the sliced account refresh, allocation records): one add and one compare per figure, a scan
/// of the kTasks entries only when a figure beats the smallest peak. Nothing here walks the tasks.
/// Collector thread only.
class TopHeapTasks {
public:
    static constexpr std::size_t kTasks = 8;

    struct Entry {
        std::uint64_t taskId = 0; ///< 0: a free slot
        std::int64_t peakBytes = 0;
    };

    /// Task `taskId`'s live heap moved from `before` to `after` bytes.
    void onLive(std::uint64_t taskId, std::int64_t before, std::int64_t after) {
        m_attributed += after - before;
        if (after > m_enterAbove)
            enter(taskId, after);
    }
    /// The collector forgets task `taskId` (evicted): it leaves the set, since its figure is no
    /// longer read; its last figure stays in attributedBytes() (its blocks were not freed by that).
    void onForgotten(std::uint64_t taskId);

    /// The entries, free slots (taskId 0) included, in no particular order.
    const std::array<Entry, kTasks>& entries() const noexcept { return m_entries; }
    /// Live heap of every task the collector has read a figure of, as last read.
    std::int64_t attributedBytes() const noexcept { return m_attributed; }

private:
    void enter(std::uint64_t taskId, std::int64_t bytes);
    void updateThreshold();

    std::array<Entry, kTasks> m_entries{};
    /// A figure above this enters the set (or raises its task's peak): the smallest peak of a
    /// full set, 0 while a slot is free.
    std::int64_t m_enterAbove = 0;
    std::int64_t m_attributed = 0;
};

} // namespace coroscope
