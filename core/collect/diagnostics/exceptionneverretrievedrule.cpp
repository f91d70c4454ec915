#include "collect/diagnostics/rules.h"
#include "collect/tasktable.h"

namespace coroscope {

void ExceptionNeverRetrievedRule::onTaskChanged(const TaskInfo& task, const TaskTable&,
                                                DiagnosticSink& sink) {
    // Failed and nobody can await it any more: the error is lost for good.
    if (task.state == TaskState::Failed && task.released && !task.errorRetrieved)
        reportOnce(task, task.finishedNs, sink);
}

void ExceptionNeverRetrievedRule::onShutdown(const TaskTable& tasks, std::int64_t nowNs,
                                             DiagnosticSink& sink) {
    for (const auto& [id, task] : tasks.tasks())
        if (task.state == TaskState::Failed && !task.errorRetrieved)
            reportOnce(task, nowNs, sink);
}

void ExceptionNeverRetrievedRule::reportOnce(const TaskInfo& task, std::int64_t tNs, DiagnosticSink& sink) {
    if (!m_reported.insert(task.id).second)
        return;
    sink.report(make(QStringLiteral("Task '") + task.name +
                         QStringLiteral("' failed and its exception was never retrieved: ") + task.error,
                     &task, tNs));
}

} // namespace coroscope
