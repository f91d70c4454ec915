#include "collect/bucketslice.h"
#include "collect/diagnostics/rules.h"
#include "collect/tasktable.h"
#include "model/format.h"

namespace coroscope {

void StuckTaskRule::onTick(const TaskTable& tasks, std::int64_t nowNs, DiagnosticSink& sink) {
    // Time the loop spent blocked in another callback is not the task's to answer for.
    const std::int64_t blockedSince = sink.loopBlockedSinceNs();
    visitSlice(tasks.unfinishedTasks(), m_cursor, kTasksPerTick, [&](const std::uint64_t id) {
        const TaskInfo* found = tasks.task(id);
        if (!found || found->state != TaskState::Suspended || found->lastSuspendNs <= 0)
            return;
        const TaskInfo& task = *found;
        const std::int64_t until = blockedSince > task.lastSuspendNs ? blockedSince : nowNs;
        const std::int64_t waited = until - task.lastSuspendNs;
        if (waited < m_threshold.count())
            return;
        // Once per suspension: the same await is not reported again, a later one may be.
        auto [it, inserted] = m_reportedSuspension.try_emplace(id, task.lastSuspendNs);
        if (!inserted) {
            if (it->second == task.lastSuspendNs)
                return;
            it->second = task.lastSuspendNs;
        }
        sink.report(make(QStringLiteral("Task '") + task.name + QStringLiteral("' has been suspended for ") +
                             formatDuration(waited) + QStringLiteral(" awaiting ") +
                             tasks.describeAwait(task),
                         &task, nowNs));
    });
}

} // namespace coroscope
