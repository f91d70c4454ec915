// The HTML report's await-site and spawn-site tables (docs/user-guide.md, "Await sites" and
// "Spawn sites"): where tasks waited, and which place spawns tasks that stay alive.
#include "report/htmlparts_p.h"
#include "report/htmlsections_p.h"
#include "report/scriptlocation.h"

#include <algorithm>

namespace coroscope::html {
namespace {
constexpr std::size_t kSiteRows = 50;

QString moreSites(std::size_t total, const char* what) {
    if (total <= kSiteRows)
        return {};
    return QStringLiteral("<p class=\"note\">%1 more %2 are in the JSON report.</p>\n")
        .arg(total - kSiteRows)
        .arg(QLatin1String(what));
}
} // namespace

QString awaitSitesTable(const RunInfo& run, const RunSnapshot& s) {
    QString h = QStringLiteral("<h3>Await sites</h3>\n");
    if (s.awaitSites.empty())
        return h + QStringLiteral("<p>No task awaited anything.</p>\n");
    std::vector<const AwaitSiteStats*> order;
    for (const AwaitSiteStats& site : s.awaitSites)
        order.push_back(&site);
    std::stable_sort(order.begin(), order.end(), [](const AwaitSiteStats* a, const AwaitSiteStats* b) {
        return a->micros.sum() > b->micros.sum();
    });
    const QString file = scriptFileName(run.script);
    h += QStringLiteral("<p class=\"note\">Where tasks waited, by total time suspended: from each "
                        "suspension to its resume. A site whose p99 is far above its p50 is where the "
                        "slow requests wait.</p>\n<table class=\"sortable\">\n<thead><tr>") +
         th("Location") + th("Awaited") + th("Total") + distributionHeader() +
         QStringLiteral("</tr></thead>\n<tbody>\n");
    for (std::size_t i = 0; i < order.size() && i < kSiteRows; ++i) {
        const AwaitSiteStats& site = *order[i];
        h += QStringLiteral("<tr>") + td(locationLink(site.location, file)) + td(esc(site.awaited)) +
             num(durationFromMicros(site.micros.sum()), site.micros.sum()) + distributionCells(site.micros) +
             QStringLiteral("</tr>\n");
    }
    return h + QStringLiteral("</tbody></table>\n") + moreSites(order.size(), "await sites");
}

QString spawnSitesTable(const RunInfo& run, const std::vector<SpawnSite>& sites) {
    QString h = QStringLiteral("<h3>Spawn sites</h3>\n");
    if (sites.empty())
        return h + QStringLiteral("<p>No task was spawned.</p>\n");
    const QString file = scriptFileName(run.script);
    h += QStringLiteral("<p class=\"note\">Where tasks were spawned, those still alive when main returned "
                        "first: a site whose tasks outlive main is where to look for a leak.</p>\n"
                        "<table class=\"sortable\">\n<thead><tr>") +
         th("Location") + th("Spawned") + th("Completed") + th("Failed") + th("Cancelled") +
         th("Alive at main's end") + th("Most alive at once") + QStringLiteral("</tr></thead>\n<tbody>\n");
    const auto count = [](std::uint64_t n) { return num(QString::number(n), double(n)); };
    for (std::size_t i = 0; i < sites.size() && i < kSiteRows; ++i) {
        const SpawnSite& site = sites[i];
        h += QStringLiteral("<tr>") + td(locationLink(site.location, file)) + count(site.spawned) +
             count(site.byState[std::size_t(TaskState::Completed)]) +
             count(site.byState[std::size_t(TaskState::Failed)]) +
             count(site.byState[std::size_t(TaskState::Cancelled)]) + count(site.liveEnd) +
             count(site.maxLive) + QStringLiteral("</tr>\n");
    }
    return h + QStringLiteral("</tbody></table>\n") + moreSites(sites.size(), "spawn sites");
}

} // namespace coroscope::html
