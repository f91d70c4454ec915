#pragma once

#include "recording/sessiondelta.h"

#include <cstdint>
#include <map>
#include <vector>

namespace coroscope {
class TaskTable;
} // namespace coroscope

namespace coroscope::session {

/// Cuts the per-task heap series of a session (`task_memory`, docs/session-format.md) from the
/// collector's top heap tasks (TopHeapTasks), once per session batch at most.
///
/// Bounded: a sample reads only the top tasks (TopHeapTasks::kTasks lookups, never a walk of all
/// tasks) and writes a row only for a series whose value changed since its last row, so at most
/// kTasks + 1 rows plus one per task that left the top. The cadence starts at kFirstInterval
/// (every batch) and doubles with every kRowsPerStage rows written: a run of a day at the worst
/// (every series changing every sample) writes about 1.2 M rows, a typical one far fewer.
class TaskMemorySampler {
public:
    static constexpr std::int64_t kFirstIntervalNs = 100'000'000;
    static constexpr std::uint64_t kRowsPerStage = 200'000;

    /// Appends the rows of a sample at `nowNs` to `out`, if one is due.
    void sample(const TaskTable& tasks, std::int64_t nowNs, std::vector<TaskMemoryRow>& out);
    /// The next sample is due whatever the cadence: the last one ends on the figures the run
    /// ends with.
    void sampleNextTime() noexcept { m_dueNs = 0; }

private:
    void put(std::int64_t nowNs, std::uint64_t taskId, std::int64_t bytes, std::vector<TaskMemoryRow>& out);

    std::map<std::uint64_t, std::int64_t> m_sent; ///< each series' last row (0: other tasks)
    std::int64_t m_dueNs = 0;
    std::uint64_t m_rows = 0;
};

} // namespace coroscope::session
