#include "model/spawnsite.h"

#include <algorithm>

namespace coroscope {

SpawnSiteFold::SpawnSiteFold(std::int64_t startNs, std::int64_t endNs, std::int64_t mainEndedNs)
    : m_startNs(startNs)
    , m_endNs(std::max(startNs, endNs))
    , m_mainEndedNs(mainEndedNs) {}

void SpawnSiteFold::add(const TaskLifetime& task) {
    const auto at = std::lower_bound(m_index.begin(), m_index.end(), task.spawnLocation,
                                     [](const auto& entry, const QString& key) { return entry.first < key; });
    std::size_t index = 0;
    if (at != m_index.end() && at->first == task.spawnLocation) {
        index = at->second;
    } else {
        index = m_sites.size();
        m_sites.emplace_back().summary.location = task.spawnLocation;
        m_index.insert(at, {task.spawnLocation, index});
    }
    Site& site = m_sites[index];
    ++site.summary.spawned;
    ++site.summary.byState[std::size_t(task.state)];
    const bool finished = task.finishedNs >= 0;
    if (task.createdNs <= m_mainEndedNs && (!finished || task.finishedNs > m_mainEndedNs))
        ++site.summary.liveEnd;
    site.changes.emplace_back(task.createdNs, +1);
    if (finished)
        site.changes.emplace_back(std::max(task.finishedNs, task.createdNs), -1);
}

std::vector<SpawnSite> SpawnSiteFold::sites() const {
    std::vector<SpawnSite> out;
    out.reserve(m_sites.size());
    const std::int64_t span = std::max<std::int64_t>(1, m_endNs - m_startNs);
    const std::size_t slices = SpawnSite::kMaxSeriesPoints;
    for (const Site& site : m_sites) {
        SpawnSite s = site.summary;
        std::vector<std::pair<std::int64_t, int>> changes = site.changes;
        // At one instant, ends before starts: a task that ends as the next begins was not alive
        // with it (a worker respawning itself keeps one alive, not two).
        std::sort(changes.begin(), changes.end());
        s.live.reserve(slices);
        std::uint64_t live = 0;
        std::size_t next = 0;
        for (std::size_t i = 0; i < slices; ++i) {
            const std::int64_t sliceStart = m_startNs + span * std::int64_t(i) / std::int64_t(slices);
            const std::int64_t sliceEnd = m_startNs + span * std::int64_t(i + 1) / std::int64_t(slices);
            std::uint64_t peak = live; // alive as the slice begins
            // The last slice takes what comes after the end too.
            for (; next < changes.size() && (changes[next].first < sliceEnd || i + 1 == slices); ++next) {
                live = changes[next].second > 0 ? live + 1 : live - std::min<std::uint64_t>(live, 1);
                peak = std::max(peak, live);
                if (live > s.maxLive) {
                    s.maxLive = live;
                    s.maxLiveNs = changes[next].first;
                }
            }
            s.live.emplace_back(sliceStart, peak);
        }
        out.push_back(std::move(s));
    }
    std::sort(out.begin(), out.end(), [](const SpawnSite& a, const SpawnSite& b) {
        if (a.liveEnd != b.liveEnd)
            return a.liveEnd > b.liveEnd;
        if (a.spawned != b.spawned)
            return a.spawned > b.spawned;
        return a.location < b.location;
    });
    return out;
}

std::vector<SpawnSite> spawnSitesOf(const std::vector<TaskInfo>& tasks, std::int64_t startNs,
                                    std::int64_t endNs, std::int64_t mainEndedNs) {
    SpawnSiteFold fold(startNs, endNs, mainEndedNs);
    for (const TaskInfo& t : tasks)
        fold.add({t.spawnLocation, t.createdNs, t.finishedNs, t.state});
    return fold.sites();
}

} // namespace coroscope
