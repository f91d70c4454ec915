#include "taskdetail.h"

#include "format.h"

#include <QStringList>

namespace coroscope::ui {
namespace {

QString esc(const QString& text) {
    return text.left(4096).toHtmlEscaped();
}

QString label(const TaskInfo& t) {
    return QStringLiteral("%1 #%2").arg(esc(t.name)).arg(t.id);
}

} // namespace

QString taskDetailHtml(const session::SessionData& data, std::uint64_t taskId) {
    const std::vector<TaskInfo>& tasks = data.snapshot.tasks;
    const TaskInfo* task = data.snapshot.task(taskId);
    if (!task)
        return {};
    const TaskInfo& t = *task;
    const auto stateName = taskStateName(t.state);
    QString h =
        QStringLiteral("<h3>%1</h3><p><b>%2</b>").arg(label(t), QString::fromLatin1(stateName.data()));
    h += QStringLiteral(" · created +%1").arg(formatDuration(t.createdNs - data.info.startNs));
    if (t.finishedNs >= 0)
        h += QStringLiteral(" · finished +%1 (lived %2)")
                 .arg(formatDuration(t.finishedNs - data.info.startNs),
                      formatDuration(t.finishedNs - t.createdNs));
    h += QStringLiteral("<br>busy %1 · idle %2 · scheduling %3 · %4 resumes")
             .arg(formatDuration(t.busyNs), formatDuration(t.idleNs), formatDuration(t.schedNs))
             .arg(t.resumes);
    if (!t.spawnLocation.isEmpty())
        h += QStringLiteral("<br>spawned at %1").arg(esc(t.spawnLocation));
    if (t.allocatedBytes)
        h += QStringLiteral("<br>heap: %1 live of %2 allocated")
                 .arg(formatBytes(double(t.liveBytes)), formatBytes(double(t.allocatedBytes)));
    if (!t.awaiting.isEmpty())
        h += QStringLiteral("<br>awaiting: %1").arg(esc(t.awaiting));
    if (t.cancelRequested)
        h += QStringLiteral("<br>cancellation requested");
    h += QStringLiteral("</p>");
    if (t.parentId) {
        const TaskInfo* parent = data.snapshot.task(t.parentId);
        h += QStringLiteral("<p>parent: %1</p>")
                 .arg(parent ? label(*parent) : QStringLiteral("#%1").arg(t.parentId));
    }
    QStringList children;
    for (const TaskInfo& c : tasks)
        if (c.parentId == t.id && children.size() < 50)
            children << label(c) + QStringLiteral(" (") + QString::fromLatin1(taskStateName(c.state).data()) +
                            u')';
    if (!children.isEmpty())
        h += QStringLiteral("<p>children: %1</p>").arg(children.join(QStringLiteral(", ")));
    if (!t.error.isEmpty())
        h += QStringLiteral("<p><b>error</b>%1</p><pre>%2</pre>")
                 .arg(t.errorRetrieved ? QString() : QStringLiteral(" (never retrieved)"), esc(t.error));
    return h;
}

} // namespace coroscope::ui
