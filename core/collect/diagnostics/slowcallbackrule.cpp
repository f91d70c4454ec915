#include "collect/diagnostics/rules.h"
#include "collect/tasktable.h"
#include "model/format.h"

namespace coroscope {

void SlowCallbackRule::onSlowCallback(const SlowCallback& slow, const TaskTable& tasks,
                                      DiagnosticSink& sink) {
    QString where = slow.eventType;
    if (!slow.receiverClass.isEmpty())
        where += QStringLiteral(" event for ") + slow.receiverClass;
    QString message =
        QStringLiteral("A callback blocked the event loop for ") + formatDuration(slow.durationNs);
    if (slow.taskId)
        message += QStringLiteral(" in task '") + slow.taskName + u'\'';
    message += QStringLiteral(" (") + where + u')';
    Diagnostic d = make(message, tasks.task(slow.taskId), slow.startNs);
    if (!slow.location.isEmpty())
        d.location = slow.location;
    sink.report(std::move(d));
}

} // namespace coroscope
