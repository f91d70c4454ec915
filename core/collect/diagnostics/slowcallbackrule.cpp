#include "collect/diagnostics/rules.h"
#include "collect/tasktable.h"
#include "model/format.h"

namespace coroscope {

Diagnostic SlowCallbackRule::describe(const SlowCallback& slow, std::int64_t durationNs,
                                      const TaskTable& tasks) const {
    QString where = slow.eventType;
    if (!slow.receiverClass.isEmpty())
        where += QStringLiteral(" event for ") + slow.receiverClass;
    QString message = slow.ongoing ? QStringLiteral("A callback has blocked the event loop for %1 so far")
                                   : QStringLiteral("A callback blocked the event loop for %1");
    message = message.arg(formatDuration(durationNs));
    if (slow.taskId)
        message += QStringLiteral(" in task '") + slow.taskName + u'\'';
    message += QStringLiteral(" (") + where + u')';
    Diagnostic d = make(message, tasks.task(slow.taskId), slow.startNs);
    if (!slow.location.isEmpty())
        d.location = slow.location;
    return d;
}

void SlowCallbackRule::onSlowCallback(const SlowCallback& slow, const TaskTable& tasks,
                                      DiagnosticSink& sink) {
    Diagnostic d = describe(slow, slow.durationNs, tasks);
    const auto it = m_ongoing.find(slow.dispatchSeq);
    if (it != m_ongoing.end()) {
        sink.revise(it->second.diagnosticId, std::move(d));
        if (!slow.ongoing)
            m_ongoing.erase(it);
        return;
    }
    const std::uint64_t id = sink.report(std::move(d));
    if (id && slow.ongoing) {
        Ongoing& ongoing = m_ongoing[slow.dispatchSeq];
        ongoing.diagnosticId = id;
        ongoing.slow = slow;
        ongoing.slow.stack.clear();
    }
}

void SlowCallbackRule::onSlowCallbackRetracted(std::uint64_t dispatchSeq, DiagnosticSink& sink) {
    if (const auto it = m_ongoing.find(dispatchSeq); it != m_ongoing.end()) {
        sink.withdraw(it->second.diagnosticId);
        m_ongoing.erase(it);
    }
}

void SlowCallbackRule::onTick(const TaskTable& tasks, std::int64_t nowNs, DiagnosticSink& sink) {
    for (const auto& [seq, ongoing] : m_ongoing)
        sink.revise(
            ongoing.diagnosticId,
            describe(ongoing.slow, std::max(ongoing.slow.durationNs, nowNs - ongoing.slow.startNs), tasks));
}

} // namespace coroscope
