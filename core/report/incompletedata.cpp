#include "report/incompletedata.h"

namespace coroscope {

QStringList incompleteDataNotes(const RunSnapshot& s, const QStringList& readWarnings) {
    QStringList notes = readWarnings;
    const DropCounters& d = s.drops;
    // The channel's drops count every kind of record; those of segments also shorten the
    // timeline, the others make every total a lower bound.
    if (d.records)
        notes << QStringLiteral("%1 events were dropped because the collector fell behind: the figures "
                                "are lower bounds")
                     .arg(d.records);
    if (d.segments)
        notes << QStringLiteral("%1 resume segments are not in the session (dropped by a collector that "
                                "fell behind, or by the writer when the disk was nearly full or the "
                                "segment limit was reached): the timeline has gaps")
                     .arg(d.segments);
    if (d.evictedTasks)
        notes << QStringLiteral("%1 finished tasks were not kept in memory (over the task limit)")
                     .arg(d.evictedTasks);
    if (d.slowCallbacksOverLimit)
        notes << QStringLiteral("%1 slow callbacks over the limit were counted but not kept")
                     .arg(d.slowCallbacksOverLimit);
    if (d.diagnosticsOverLimit)
        notes << QStringLiteral("%1 findings over their rule's limit were counted but not kept")
                     .arg(d.diagnosticsOverLimit);
    return notes;
}

} // namespace coroscope
