#include "diagnostics/rules.h"
#include "runstate.h"

namespace coroscope {

void TaskLeakedRule::onShutdown(const RunState& state, std::int64_t nowNs, DiagnosticSink& sink) {
    for (const auto& [id, task] : state.tasks()) {
        if (isFinished(task.state))
            continue;
        QString message =
            QStringLiteral("Task '") + task.name + QStringLiteral("' was still pending at shutdown");
        if (!task.awaiting.isEmpty())
            message += QStringLiteral(" (awaiting ") + task.awaiting + u')';
        sink.report(make(message, &task, nowNs));
    }
}

} // namespace coroscope
