// The spawn-site profile, folded from the tasks table as it is read: one pass over four columns,
// without keeping a million task rows for views that page them instead.
#include "model/spawnsite.h"
#include "reading/sessiontables_p.h"

namespace coroscope::session::tables {

void spawnSites(Database& db, const SpawnSpan& span, std::vector<SpawnSite>& out, std::size_t& rows) {
    SpawnSiteFold fold(span.startNs, span.endNs, span.mainEndedNs);
    Statement s = db.prepare("SELECT spawn_location, created_ns, finished_ns, state FROM tasks ORDER BY id");
    for (; s.step(); ++rows) {
        const auto state = taskStateFromName(s.text(3, kMaxNameChars));
        if (!state)
            throw DamagedRow{
                QStringLiteral("a task has an unknown state '%1'").arg(s.text(3, kMaxNameChars))};
        fold.add({s.text(0, kMaxTextChars), s.integer(1), s.integer(2), *state});
    }
    out = fold.sites();
}

SpawnSpan spawnSpanOf(const RunInfo& info, bool finished, const std::vector<TimePoint>& timeSeries) {
    SpawnSpan span;
    span.startNs = info.startNs;
    span.endNs = finished || timeSeries.empty() ? info.startNs + info.durationNs
                                                : std::max(info.startNs, timeSeries.back().tNs);
    // Without a main of ours (a launched program) or before it returned: the end of the run.
    span.mainEndedNs = info.mainEndedNs > 0 ? info.mainEndedNs : span.endNs;
    return span;
}

} // namespace coroscope::session::tables
