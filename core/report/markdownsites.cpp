#include "model/format.h"
#include "report/markdownreport.h"
#include "report/markdownsites_p.h"

#include <algorithm>
#include <cmath>

namespace coroscope::markdown {
namespace {
constexpr std::size_t kSiteRows = 10;

QString ms(double micros) {
    return formatDuration(std::llround(micros * 1000.0));
}

QString moreInJson(std::size_t total, const char* what) {
    if (total <= kSiteRows)
        return {};
    return QStringLiteral("\n%1 more %2 are in the JSON report.\n")
        .arg(total - kSiteRows)
        .arg(QLatin1String(what));
}
} // namespace

QString awaitSitesSection(const RunSnapshot& s) {
    if (s.awaitSites.empty())
        return {};
    std::vector<const AwaitSiteStats*> order;
    for (const AwaitSiteStats& site : s.awaitSites)
        order.push_back(&site);
    std::stable_sort(order.begin(), order.end(), [](const AwaitSiteStats* a, const AwaitSiteStats* b) {
        return a->micros.sum() > b->micros.sum();
    });
    QString h = QStringLiteral("\n### Await sites\n\nWhere tasks waited, by total time suspended.\n\n"
                               "| Location | Awaited | Count | Total | p50 | p90 | p99 | Max |\n"
                               "|---|---|--:|--:|--:|--:|--:|--:|\n");
    for (std::size_t i = 0; i < order.size() && i < kSiteRows; ++i) {
        const AwaitSiteStats& site = *order[i];
        const PercentileSummary p = site.micros.summary();
        h += QStringLiteral("| ") + code(site.location, 120, true) + QStringLiteral(" | ") +
             code(site.awaited, 60, true) + QStringLiteral(" | ") + QString::number(p.count) +
             QStringLiteral(" | ") + ms(site.micros.sum()) + QStringLiteral(" | ") + ms(double(p.p50)) +
             QStringLiteral(" | ") + ms(double(p.p90)) + QStringLiteral(" | ") + ms(double(p.p99)) +
             QStringLiteral(" | ") + ms(double(p.max)) + QStringLiteral(" |\n");
    }
    return h + moreInJson(order.size(), "await sites");
}

QString spawnSitesSection(const std::vector<SpawnSite>& sites) {
    if (sites.empty())
        return {};
    QString h =
        QStringLiteral("\n### Spawn sites\n\nWhere tasks were spawned, those alive when main "
                       "returned first.\n\n"
                       "| Location | Spawned | Completed | Failed | Cancelled | Alive at main's end | "
                       "Most alive |\n|---|--:|--:|--:|--:|--:|--:|\n");
    for (std::size_t i = 0; i < sites.size() && i < kSiteRows; ++i) {
        const SpawnSite& site = sites[i];
        h += QStringLiteral("| ") + code(site.location, 120, true) +
             QStringLiteral(" | %1 | %2 | %3 | %4 | %5 | %6 |\n")
                 .arg(site.spawned)
                 .arg(site.byState[std::size_t(TaskState::Completed)])
                 .arg(site.byState[std::size_t(TaskState::Failed)])
                 .arg(site.byState[std::size_t(TaskState::Cancelled)])
                 .arg(site.liveEnd)
                 .arg(site.maxLive);
    }
    return h + moreInJson(sites.size(), "spawn sites");
}

} // namespace coroscope::markdown
