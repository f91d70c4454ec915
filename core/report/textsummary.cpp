#include "report/textsummary.h"

#include "model/format.h"
#include "report/incompletedata.h"

#include <QStringList>

#include <algorithm>

namespace coroscope {
namespace {

QString micros(std::int64_t us) {
    return formatDuration(us * 1000);
}

} // namespace

QString textSummary(const RunInfo* info, const RunSnapshot& s) {
    QStringList out;
    if (info)
        out << QStringLiteral("%1: %2 after %3%4")
                   .arg(info->script, runStatusName(info->status), formatDuration(info->durationNs),
                        info->endReason.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(info->endReason));
    if (info && !info->crashStack.isEmpty())
        out << QStringLiteral("Native stack of the crash:\n") + info->crashStack;
    QString states;
    for (int i = 0; i < kTaskStateCount; ++i)
        if (const std::uint64_t n = s.tasksByState[std::size_t(i)])
            states +=
                QStringLiteral(", %1 %2").arg(n).arg(QString::fromLatin1(taskStateName(TaskState(i)).data()));
    out << QStringLiteral("Tasks: %1 total%2").arg(s.tasksTotal).arg(states);
    out << QStringLiteral("Loop: lag p50 %1, p99 %2, max %3; busy %4 %")
               .arg(micros(s.loopLagMicros.percentile(50)), micros(s.loopLagMicros.percentile(99)),
                    micros(s.loopLagMicros.max()))
               .arg(s.loopUtilization * 100, 0, 'f', 1);
    // A rate over less than a second is mostly start-up (debug info loading): not worth a number.
    const QString growth =
        s.memoryStats.growthSpanNs >= 1'000'000'000
            ? QStringLiteral(", growing %1/s").arg(formatBytes(s.memoryStats.rssGrowthBytesPerSecond))
            : QString();
    out << QStringLiteral("Memory: RSS %1 (peak %2)%3")
               .arg(formatBytes(double(s.memoryStats.rssEndBytes)),
                    formatBytes(double(s.memoryStats.rssPeakBytes)), growth);
    for (const LatencyMetric& m : s.latency)
        out << QStringLiteral("Latency %1: n=%2 p50 %3, p95 %4, p99 %5, max %6")
                   .arg(m.name)
                   .arg(m.micros.count())
                   .arg(micros(m.micros.percentile(50)), micros(m.micros.percentile(95)),
                        micros(m.micros.percentile(99)), micros(m.micros.max()));
    out << QStringLiteral("Slow callbacks: %1").arg(s.slowCallbacks.size());
    std::vector<const SlowCallback*> worst;
    for (const SlowCallback& slow : s.slowCallbacks)
        worst.push_back(&slow);
    std::sort(worst.begin(), worst.end(), [](auto* a, auto* b) { return a->durationNs > b->durationNs; });
    for (std::size_t i = 0; i < std::min<std::size_t>(worst.size(), 5); ++i) {
        const SlowCallback& slow = *worst[i];
        out << QStringLiteral("  %1%2 in task '%3'%4")
                   .arg(formatDuration(slow.durationNs),
                        slow.ongoing ? QStringLiteral(" (still running)") : QString(),
                        slow.taskName.isEmpty() ? QStringLiteral("-") : slow.taskName,
                        slow.location.isEmpty() ? QString() : QStringLiteral(" at ") + slow.location);
        const QStringList frames = slow.stack.split(u'\n', Qt::SkipEmptyParts);
        for (qsizetype f = 0; f < std::min<qsizetype>(frames.size(), 4); ++f)
            out << QStringLiteral("      ") + frames[f];
    }
    out << QStringLiteral("Diagnostics: %1").arg(s.diagnostics.size());
    for (const Diagnostic& d : s.diagnostics)
        out << QStringLiteral("  [%1] %2: %3")
                   .arg(QString::fromLatin1(severityName(d.severity)), d.rule, d.message);
    for (const QString& note : incompleteDataNotes(s))
        out << QStringLiteral("Incomplete data: ") + note;
    return out.join(u'\n') + u'\n';
}

} // namespace coroscope
