#include "diagnostics/rules.h"
#include "runstate.h"

namespace coroscope {

void TaskLeakedRule::onShutdown(const RunState& state, std::int64_t nowNs, DiagnosticSink& sink) {
    for (const std::uint64_t id : state.unfinishedTasks()) {
        const TaskInfo* found = state.task(id);
        if (!found)
            continue;
        const TaskInfo& task = *found;
        QString message =
            QStringLiteral("Task '") + task.name + QStringLiteral("' was still pending at shutdown");
        if (task.awaitKind)
            message += QStringLiteral(" (awaiting ") + state.describeAwait(task) + u')';
        sink.report(make(message, &task, nowNs));
    }
}

} // namespace coroscope
