#pragma once

#include "instrument/awaitsite.h"
#include "model/histogram.h"
#include "model/runmodel.h"

#include <QString>

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace coroscope {

/// The await-site profile as the collector builds it: each task's pending await (where it
/// suspended, and when), closed by its next resume or by its end, into a histogram per site.
/// Bounded by kMaxSites; awaits at sites past it are counted in overLimit().
class AwaitSiteLog {
public:
    static constexpr std::size_t kMaxSites = 10'000;

    /// A closed await: the site's name in sessions (awaitSiteKey()) and the suspended time.
    struct Closed {
        const QString* key = nullptr;
        std::int64_t micros = 0;
    };

    /// Task `task` resumed at `startNs` and, if `next` is set, suspended again at `endNs` there.
    /// Returns the await the resume closed (key null when none, or past the limit).
    /// `continues`: the suspension at `endNs` goes on with the await pending at `startNs`.
    Closed onSegment(std::uint64_t task, std::int64_t startNs, std::int64_t endNs, const AwaitSite* next,
                     bool continues = false);
    /// Task `task` ended at `tNs`: an await it was suspended on ends with it.
    Closed onFinished(std::uint64_t task, std::int64_t tNs);

    std::vector<AwaitSiteStats> snapshot() const;
    std::uint64_t overLimit() const noexcept { return m_overLimit; }

private:
    struct Pending {
        const AwaitSite* site = nullptr;
        std::int64_t sinceNs = 0;
    };
    struct Site {
        QString location;
        QString awaited;
        QString key;
        Histogram micros;
    };
    Closed close(std::uint64_t task, std::int64_t tNs);

    std::unordered_map<std::uint64_t, Pending> m_pending;
    std::unordered_map<const AwaitSite*, Site> m_sites;
    std::uint64_t m_overLimit = 0;
};

} // namespace coroscope
