#include "panels/taskdetail.h"

#include "model/format.h"

#include <QStringList>

#include <limits>

namespace coroscope::ui {
namespace {

constexpr std::size_t kChildrenShown = 50;
constexpr std::size_t kResumesShown = 40;

QString esc(const QString& text) {
    return text.left(4096).toHtmlEscaped();
}

QString label(const TaskInfo& t) {
    return QStringLiteral("%1 #%2").arg(esc(t.name)).arg(t.id);
}

QString stateText(const TaskInfo& t) {
    return QString::fromLatin1(taskStateName(t.state).data());
}

} // namespace

std::optional<TaskDetail> loadTaskDetail(session::TaskStore& store, std::uint64_t taskId) {
    auto task = store.task(taskId);
    if (!task)
        return std::nullopt;
    TaskDetail d;
    d.task = std::move(*task);
    if (d.task.parentId)
        d.parent = store.task(d.task.parentId);
    d.children = store.children(taskId, kChildrenShown, &d.childCount);
    const std::uint64_t id[] = {taskId};
    auto window =
        store.segments(id, d.task.createdNs, std::numeric_limits<std::int64_t>::max(), kResumesShown);
    d.resumes = std::move(window.segments);
    d.moreResumes = window.truncated;
    return d;
}

QString taskDetailHtml(const TaskDetail& detail, std::int64_t startNs) {
    const TaskInfo& t = detail.task;
    auto at = [startNs](std::int64_t ns) -> QString {
        return QStringLiteral("+") + formatDuration(ns - startNs);
    };
    QString h = QStringLiteral("<h3>%1</h3><p><b>%2</b>").arg(label(t), stateText(t));
    h += QStringLiteral(" · created %1").arg(at(t.createdNs));
    if (t.finishedNs >= 0)
        h += QStringLiteral(" · finished %1 (lived %2)")
                 .arg(at(t.finishedNs), formatDuration(t.finishedNs - t.createdNs));
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
    if (t.parentId)
        h += QStringLiteral("<p>parent: %1</p>")
                 .arg(detail.parent ? QString(label(*detail.parent) + QStringLiteral(" (") +
                                              stateText(*detail.parent) + u')')
                                    : QStringLiteral("#%1").arg(t.parentId));
    if (!detail.children.empty()) {
        QStringList children;
        for (const TaskInfo& c : detail.children)
            children << label(c) + QStringLiteral(" (") + stateText(c) + u')';
        if (detail.childCount > detail.children.size())
            children << QStringLiteral("… %1 more").arg(detail.childCount - detail.children.size());
        h += QStringLiteral("<p>children (%1): %2</p>")
                 .arg(detail.childCount)
                 .arg(children.join(QStringLiteral(", ")));
    }
    if (!t.error.isEmpty())
        h += QStringLiteral("<p><b>error</b>%1</p><pre>%2</pre>")
                 .arg(t.errorRetrieved ? QString() : QStringLiteral(" (never retrieved)"), esc(t.error));
    // State history: created, then each resume (ready → running → suspended), then the end.
    h += QStringLiteral("<p><b>history</b></p><table cellspacing=0 cellpadding=2>"
                        "<tr><th align=left>at</th><th align=left>what</th></tr>");
    h += QStringLiteral("<tr><td>%1</td><td>created</td></tr>").arg(at(t.createdNs));
    for (const session::TaskSegment& s : detail.resumes)
        h += QStringLiteral("<tr><td>%1</td><td>resumed after %2 scheduling, ran %3</td></tr>")
                 .arg(at(s.startNs), formatDuration(s.startNs - s.readyNs),
                      formatDuration(s.endNs - s.startNs));
    if (detail.moreResumes)
        h += QStringLiteral("<tr><td></td><td>… %1 resumes in all</td></tr>").arg(t.resumes);
    if (t.finishedNs >= 0)
        h += QStringLiteral("<tr><td>%1</td><td>%2</td></tr>").arg(at(t.finishedNs), stateText(t));
    h += QStringLiteral("</table>");
    return h;
}

} // namespace coroscope::ui
