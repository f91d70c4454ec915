#pragma once

#include "model/memorystats.h"

#include <cstddef>
#include <vector>

namespace coroscope {

/// The memory samples of a run, bounded: past `maxSamples` every other one is dropped and only
/// every 2nd (then 4th, ...) new one kept, so a long run keeps an even series of bounded size.
/// The statistics (start, peak, growth) fold every sample, kept or not.
class MemorySeries {
public:
    explicit MemorySeries(std::size_t maxSamples);

    void add(const MemorySample& sample);
    const std::vector<MemorySample>& samples() const { return m_samples; }
    const MemoryStats& stats() const { return m_fold.stats(); }

private:
    std::size_t m_maxSamples;
    std::vector<MemorySample> m_samples;
    std::size_t m_stride = 1; ///< keep every n-th sample once the bound is reached
    std::size_t m_seen = 0;
    MemoryStatsFold m_fold;
};

} // namespace coroscope
