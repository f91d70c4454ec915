#include "panels/cpuprofilefilters.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QSignalBlocker>

#include <algorithm>
#include <optional>
#include <set>

namespace coroscope::ui {
namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("CpuProfilePage", text);
}

} // namespace

void fillTaskBox(QComboBox& box, const CpuProfile& profile) {
    const QSignalBlocker block(&box);
    const QVariant chosen = box.currentIndex() > 0 ? box.currentData() : QVariant();
    box.clear();
    box.addItem(tr("All tasks"));
    const double total = double(std::max<std::uint64_t>(cpuSampleCount(profile), 1));
    for (const CpuTaskCost& t : cpuSamplesByTask(profile)) {
        // Tasks of one name stay apart here (the flame graph merges them): the id tells them apart.
        const bool named = t.taskId != 0 && t.taskId != CpuProfile::kOtherTasks;
        const QString name = named ? QStringLiteral("%1 #%2").arg(t.label).arg(t.taskId) : t.label;
        box.addItem(tr("%1 — %2 %").arg(name).arg(double(t.samples) * 100.0 / total, 0, 'f', 1),
                    qulonglong(t.taskId));
    }
    box.setCurrentIndex(chosen.isValid() ? std::max(box.findData(chosen), 0) : 0);
}

void fillEventBox(QComboBox& box, const CpuProfile& profile) {
    const QSignalBlocker block(&box);
    const std::optional<QString> chosen =
        box.currentIndex() > 0 ? std::optional(box.currentData().toString()) : std::nullopt;
    std::set<QString> types;
    for (const CpuNode& n : profile.nodes)
        if (n.id != 0 && n.parent == 0)
            types.insert(n.eventType);
    box.clear();
    box.addItem(tr("All events"));
    for (const QString& type : types) {
        box.addItem(type.isEmpty() ? tr("(outside any dispatch)") : type, type);
        if (chosen && *chosen == type)
            box.setCurrentIndex(box.count() - 1);
    }
}

CpuProfileFilter selectedFilter(const QComboBox& tasks, const QComboBox& events) {
    CpuProfileFilter f;
    if (tasks.currentIndex() > 0)
        f.taskId = tasks.currentData().toULongLong();
    if (events.currentIndex() > 0)
        f.eventType = events.currentData().toString();
    return f;
}

} // namespace coroscope::ui
