#pragma once

#include "model/growthestimator.h"

#include <cstdint>

namespace coroscope {

/// One reading of the process's memory, taken by MemoryProbe::sample().
struct MemorySample {
    std::int64_t tNanos = 0;    ///< Clock::nanosNow() when the sample was taken.
    std::int64_t rssBytes = 0;  ///< Resident set size; -1 when /proc/self/statm is unavailable.
    std::int64_t heapBytes = 0; ///< malloc heap in use; -1 when glibc's malloc is not the allocator.
};

/// What a run's memory samples add up to: start, peak, end and how fast it grows.
struct MemoryStats {
    std::int64_t rssStartBytes = 0;
    std::int64_t rssPeakBytes = 0;
    std::int64_t rssEndBytes = 0;
    std::int64_t heapStartBytes = 0;
    std::int64_t heapEndBytes = 0;
    double rssGrowthBytesPerSecond = 0;
    double heapGrowthBytesPerSecond = 0;
    std::int64_t growthSpanNs = 0; ///< how much time the growth rates are measured over
};

/// Folds samples, in time order, into MemoryStats. One fold for the live collector and for the
/// session reader, so a report made live and one made from the saved session agree.
class MemoryStatsFold {
public:
    void add(const MemorySample& sample);
    const MemoryStats& stats() const noexcept { return m_stats; }
    bool empty() const noexcept { return m_samples == 0; }

private:
    MemoryStats m_stats;
    GrowthEstimator m_rss;
    GrowthEstimator m_heap;
    std::uint64_t m_samples = 0;
};

} // namespace coroscope
