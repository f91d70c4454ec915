#pragma once

#include "model/runmodel.h"

#include <QString>

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace coroscope {

/// What the tasks spawned at one place in the code did: how many, how they ended, and how many
/// were alive at once over the run. A site whose live count only grows is a leak in the making.
struct SpawnSite {
    QString location; ///< "file:line" of the spawn; "" for tasks whose spawn site is unknown
    std::uint64_t spawned = 0;
    std::array<std::uint64_t, kTaskStateCount> byState{}; ///< final (or last known) state
    std::uint64_t liveEnd = 0;  ///< alive when main returned, before shutdown cancelled anything
    std::uint64_t maxLive = 0;  ///< the most alive at once
    std::int64_t maxLiveNs = 0; ///< when that was first reached (ns since the origin)
    /// Live count over time, at most kMaxSeriesPoints points, ascending: each the most alive in
    /// its slice of the run, so a short peak is not lost between points.
    std::vector<std::pair<std::int64_t, std::uint64_t>> live;

    static constexpr std::size_t kMaxSeriesPoints = 200;
};

/// One task's life as the spawn-site profile needs it.
struct TaskLifetime {
    QString spawnLocation;
    std::int64_t createdNs = 0;
    std::int64_t finishedNs = -1; ///< -1: never finished
    TaskState state = TaskState::Created;
};

/// Folds task lifetimes into spawn sites, by live count at `mainEndedNs`, then spawned, then
/// location. The series spans [startNs, endNs].
class SpawnSiteFold {
public:
    SpawnSiteFold(std::int64_t startNs, std::int64_t endNs, std::int64_t mainEndedNs);
    void add(const TaskLifetime& task);
    std::vector<SpawnSite> sites() const;

private:
    struct Site {
        SpawnSite summary;
        std::vector<std::pair<std::int64_t, int>> changes; ///< (t, +1 spawned / -1 finished)
    };
    std::int64_t m_startNs;
    std::int64_t m_endNs;
    std::int64_t m_mainEndedNs;
    std::vector<Site> m_sites;
    std::vector<std::pair<QString, std::size_t>> m_index; ///< location → m_sites, sorted
};

std::vector<SpawnSite> spawnSitesOf(const std::vector<TaskInfo>& tasks, std::int64_t startNs,
                                    std::int64_t endNs, std::int64_t mainEndedNs);

} // namespace coroscope
