#include "collect/diagnostics/rules.h"
#include "collect/tasktable.h"
#include "model/format.h"

namespace coroscope {

void SpawnSiteGrowingRule::onTick(const TaskTable& tasks, std::int64_t nowNs, DiagnosticSink& sink) {
    const std::int64_t step = std::chrono::nanoseconds(m_window).count() / std::int64_t(kCheckpoints - 1);
    if (nowNs < m_nextCheckpointNs)
        return;
    m_nextCheckpointNs = nowNs + step;
    const QHash<QString, std::uint64_t>& live = tasks.liveBySpawnSite();
    // A site with no live task left has stopped growing: forget it (a finding stays as it is).
    for (auto it = m_sites.begin(); it != m_sites.end();)
        it = live.contains(it.key()) ? std::next(it) : m_sites.erase(it);
    for (auto it = live.begin(); it != live.end(); ++it) {
        if (it.key().isEmpty())
            continue; // tasks nobody can point to: no site to blame
        Site& site = m_sites[it.key()];
        site.live.push_back(it.value());
        if (site.live.size() > kCheckpoints)
            site.live.pop_front();
        if (site.live.size() < kCheckpoints || site.live.back() - site.live.front() < m_minGrowth)
            continue;
        bool rising = true;
        for (std::size_t i = 1; i < site.live.size() && rising; ++i)
            rising = site.live[i] > site.live[i - 1];
        if (!rising)
            continue;
        Diagnostic d;
        d.rule = name();
        d.severity = severity();
        d.location = it.key();
        d.tNs = nowNs;
        d.message = QStringLiteral("Tasks spawned at %1 keep piling up: %2 alive, +%3 in the last %4, "
                                   "more at every check")
                        .arg(it.key())
                        .arg(site.live.back())
                        .arg(site.live.back() - site.live.front())
                        .arg(formatDuration(std::chrono::nanoseconds(m_window).count()));
        if (site.diagnostic == 0)
            site.diagnostic = sink.report(std::move(d));
        else
            sink.revise(site.diagnostic, std::move(d));
    }
}

} // namespace coroscope
