#include "panels/cpuprofiletexts.h"

#include "model/format.h"
#include "report/cpuprofileanalysis.h"

#include <QCoreApplication>
#include <QLocale>

#include <algorithm>

namespace coroscope::ui {
namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("CpuProfilePage", text);
}

QString number(std::uint64_t n) {
    return QLocale().toString(qulonglong(n));
}

/// "1 stack", "3 stacks".
QString counted(std::uint64_t n, const char* one, const char* many) {
    return tr(n == 1 ? one : many).arg(number(n));
}

} // namespace

QString cpuProfileUnit(CpuProfileSource source) {
    return source == CpuProfileSource::CpuSamples ? tr("samples") : tr("ms");
}

QString cpuProfileHeader(const session::SessionData& data, const CpuProfile& profile, CpuProfileSource source,
                         std::uint64_t shown, std::optional<std::size_t> blocks) {
    const CpuProfileCounters& c = profile.counters;
    QStringList parts;
    if (source == CpuProfileSource::CpuSamples) {
        if (!profile.recorded())
            return tr("No CPU profile in this session.");
        // samples × interval is the loop thread's CPU time: each sample stands for one interval.
        parts << tr(c.samples == 1 ? "%1 sample of %2" : "%1 samples of %2")
                     .arg(number(c.samples), formatDuration(profile.intervalNs))
              << tr("CPU time %1").arg(formatDuration(std::int64_t(c.samples) * profile.intervalNs))
              << counted(c.stacks, "%1 stack", "%1 stacks");
        if (c.droppedStacks > 0)
            parts << counted(c.droppedStacks, "%1 dropped stack (the sample ring was full)",
                             "%1 dropped stacks (the sample ring was full)");
        if (c.overBudget > 0)
            parts << counted(c.overBudget, "%1 sample over the node budget (charged to a shorter path)",
                             "%1 samples over the node budget (charged to a shorter path)");
        if (c.otherTaskSamples > 0)
            parts << counted(c.otherTaskSamples,
                             "%1 sample of tasks after the budget, under \"(other tasks)\"",
                             "%1 samples of tasks after the budget, under \"(other tasks)\"");
    } else if (data.snapshot.slowCallbacks.empty()) {
        return tr("No slow callbacks in this session.");
    } else if (source == CpuProfileSource::AllBlocks) {
        parts << counted(blocks.value_or(data.snapshot.slowCallbacks.size()), "%1 slow callback",
                         "%1 slow callbacks")
              << tr("blocked %1 in all").arg(formatDuration(std::int64_t(c.samples) * profile.intervalNs))
              << counted(c.stacks, "%1 stack captured", "%1 stacks captured")
              << tr("each stack weighs its block's duration in ms");
    } else {
        // One callback: one root, whose task says where it blocked.
        const auto root = std::find_if(profile.nodes.begin(), profile.nodes.end(),
                                       [](const CpuNode& n) { return n.id != 0 && n.parent == 0; });
        parts << tr("The selected slow callback, in %1: blocked %2")
                     .arg(root != profile.nodes.end() ? profile.taskLabel(root->taskId) : tr("no task"),
                          formatDuration(std::int64_t(c.samples) * profile.intervalNs))
              << (c.stacks > 0 ? tr("its stack as the watchdog caught it") : tr("no stack captured"));
    }
    if (shown != c.samples && c.samples > 0)
        parts << tr("shown: %1 (%2 %)")
                     .arg(number(shown))
                     .arg(double(shown) * 100.0 / double(c.samples), 0, 'f', 1);
    return parts.join(QStringLiteral(" · "));
}

QString cpuProfileEmptyReason(const session::SessionData& data, const CpuProfile& profile,
                              CpuProfileSource source, bool inRange) {
    const bool blocks = !data.snapshot.slowCallbacks.empty();
    const QString seeBlocks =
        blocks ? tr(" The stacks of its slow callbacks are under Source: Blocked stacks.") : QString();
    if (source == CpuProfileSource::CpuSamples && !profile.recorded())
        return tr("This session has no CPU profile: the run was not sampled (coroscope run or launch with "
                  "--sample-rate 0), or it was recorded by a Coroscope from before CPU profiles.") +
               seeBlocks;
    if (inRange && source == CpuProfileSource::CpuSamples && profile.counters.samples == 0)
        return tr("No CPU samples in the time range selected: the loop thread used less than one sampling "
                  "interval (%1) of CPU time in it. Select a wider range in the Tasks timeline, or show the "
                  "whole run.")
            .arg(formatDuration(profile.intervalNs));
    if (inRange && source == CpuProfileSource::AllBlocks && blocks && profile.counters.samples == 0)
        return tr("No slow callback held the loop in the time range selected. Select another range in the "
                  "Tasks timeline, or show the whole run.");
    if (source == CpuProfileSource::CpuSamples && profile.counters.samples == 0)
        return tr("No CPU samples yet: the loop thread has not used one sampling interval (%1) of CPU time. "
                  "An idle loop, or one blocked in a system call, uses none and is not sampled.")
                   .arg(formatDuration(profile.intervalNs)) +
               seeBlocks;
    if (source != CpuProfileSource::CpuSamples && !blocks)
        return tr("No slow callbacks: no dispatch held the loop longer than the slow-callback threshold "
                  "(%1), "
                  "so no stack was caught blocking it.")
            .arg(formatDuration(data.info.slowThresholdNs));
    return QString();
}

} // namespace coroscope::ui
