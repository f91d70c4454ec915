#include "collect/bucketslice.h"
#include "collect/diagnostics/rules.h"
#include "collect/tasktable.h"
#include "model/format.h"

#include <algorithm>

namespace coroscope {

void MemoryGrowthRule::onTick(const TaskTable& tasks, std::int64_t nowNs, DiagnosticSink& sink) {
    const std::int64_t window = std::chrono::nanoseconds(m_window).count();
    // Only running and suspended tasks can keep growing; a slice of them per tick.
    visitSlice(tasks.unfinishedTasks(), m_cursor, kTasksPerTick, [&](const std::uint64_t id) {
        const TaskInfo* found = tasks.task(id);
        if (!found || found->allocatedBytes == 0)
            return; // never allocated anything traced: nothing to watch
        const TaskInfo& task = *found;
        History& h = m_history[id];
        h.samples.emplace_back(nowNs, task.liveBytes);
        while (h.samples.size() > 2 && nowNs - h.samples[1].first >= window)
            h.samples.pop_front(); // keep one sample at least `window` old
        if (h.reported || nowNs - h.samples.front().first < window)
            return;
        // Grown by the threshold across the window, and never back below where it started.
        const std::int64_t start = h.samples.front().second;
        const auto lowest =
            std::min_element(h.samples.begin(), h.samples.end(),
                             [](const auto& a, const auto& b) { return a.second < b.second; });
        if (task.liveBytes - start < m_threshold || lowest->second < start)
            return;
        h.reported = true;
        sink.report(make(QStringLiteral("Task '%1' keeps growing its memory: %2 live, +%3 in the last %4")
                             .arg(task.name, formatBytes(double(task.liveBytes)),
                                  formatBytes(double(task.liveBytes - start)),
                                  formatDuration(nowNs - h.samples.front().first)),
                         &task, nowNs));
    });
}

void MemoryGrowthRule::onTaskChanged(const TaskInfo& task, const TaskTable&, DiagnosticSink&) {
    if (isFinished(task.state))
        m_history.erase(task.id);
}

} // namespace coroscope
