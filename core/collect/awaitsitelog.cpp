#include "collect/awaitsitelog.h"

#include <algorithm>
#include <map>
#include <utility>

namespace coroscope {

AwaitSiteLog::Closed AwaitSiteLog::onSegment(std::uint64_t task, std::int64_t startNs, std::int64_t endNs,
                                             const AwaitSite* next, bool continues) {
    if (continues && next && m_pending.count(task) != 0)
        return {}; // one await woken on its way (a gather): it goes on, from when it began
    const Closed closed = close(task, startNs);
    if (next)
        m_pending[task] = Pending{next, endNs};
    return closed;
}

AwaitSiteLog::Closed AwaitSiteLog::onFinished(std::uint64_t task, std::int64_t tNs) {
    return close(task, tNs);
}

AwaitSiteLog::Closed AwaitSiteLog::close(std::uint64_t task, std::int64_t tNs) {
    const auto pending = m_pending.find(task);
    if (pending == m_pending.end())
        return {};
    const Pending p = pending->second;
    m_pending.erase(pending);
    auto site = m_sites.find(p.site);
    if (site == m_sites.end()) {
        if (m_sites.size() >= kMaxSites) {
            ++m_overLimit;
            return {};
        }
        Site s;
        s.location = !p.site->file ? QString()
                     : p.site->line > 0
                         ? QString::fromUtf8(p.site->file) + u':' + QString::number(p.site->line)
                         : QString::fromUtf8(p.site->file);
        s.awaited = QString::fromUtf8(p.site->kind ? p.site->kind : "await");
        s.key = awaitSiteKey(s.awaited, s.location);
        site = m_sites.emplace(p.site, std::move(s)).first;
    }
    const std::int64_t micros = std::max<std::int64_t>(0, tNs - p.sinceNs) / 1000;
    site->second.micros.record(micros);
    return Closed{&site->second.key, micros};
}

std::vector<AwaitSiteStats> AwaitSiteLog::snapshot() const {
    // Two C++ sites may print alike (one file name in two directories): merged, as a report shows
    // them. By location, then awaited.
    std::map<std::pair<QString, QString>, Histogram> merged;
    for (const auto& [_, site] : m_sites)
        merged[{site.location, site.awaited}].merge(site.micros);
    std::vector<AwaitSiteStats> out;
    out.reserve(merged.size());
    for (auto& [key, micros] : merged)
        out.push_back(AwaitSiteStats{key.first, key.second, std::move(micros)});
    return out;
}

} // namespace coroscope
