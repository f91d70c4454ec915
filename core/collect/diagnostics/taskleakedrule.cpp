#include "collect/diagnostics/rules.h"
#include "collect/tasktable.h"

namespace coroscope {

void TaskLeakedRule::onShutdown(const TaskTable& tasks, std::int64_t nowNs, DiagnosticSink& sink) {
    for (const std::uint64_t id : tasks.unfinishedTasks()) {
        const TaskInfo* found = tasks.task(id);
        if (!found)
            continue;
        const TaskInfo& task = *found;
        QString message =
            QStringLiteral("Task '") + task.name + QStringLiteral("' was still pending at shutdown");
        if (task.awaitKind)
            message += QStringLiteral(" (awaiting ") + tasks.describeAwait(task) + u')';
        sink.report(make(message, &task, nowNs));
    }
}

} // namespace coroscope
