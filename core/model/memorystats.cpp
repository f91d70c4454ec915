#include "model/memorystats.h"

#include <algorithm>

namespace coroscope {

void MemoryStatsFold::add(const MemorySample& sample) {
    if (m_samples++ == 0) {
        m_stats.rssStartBytes = sample.rssBytes;
        m_stats.heapStartBytes = sample.heapBytes;
    }
    m_stats.rssEndBytes = sample.rssBytes;
    m_stats.heapEndBytes = sample.heapBytes;
    m_stats.rssPeakBytes = std::max(m_stats.rssPeakBytes, sample.rssBytes);
    m_rss.add(sample.tNanos, sample.rssBytes);
    m_heap.add(sample.tNanos, sample.heapBytes);
    m_stats.rssGrowthBytesPerSecond = m_rss.bytesPerSecond();
    m_stats.heapGrowthBytesPerSecond = m_heap.bytesPerSecond();
    m_stats.growthSpanNs = m_rss.spanNanos();
}

} // namespace coroscope
