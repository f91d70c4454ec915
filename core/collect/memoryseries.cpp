#include "collect/memoryseries.h"

#include <algorithm>

namespace coroscope {

MemorySeries::MemorySeries(std::size_t maxSamples)
    : m_maxSamples(maxSamples) {}

void MemorySeries::add(const MemorySample& sample) {
    m_fold.add(sample);
    if (m_seen++ % m_stride == 0)
        m_samples.push_back(sample);
    if (m_samples.size() >= m_maxSamples) {
        std::vector<MemorySample> thinned;
        thinned.reserve(m_samples.size() / 2 + 1);
        for (std::size_t i = 0; i < m_samples.size(); i += 2)
            thinned.push_back(m_samples[i]);
        m_samples = std::move(thinned);
        m_stride *= 2;
    }
}

} // namespace coroscope
