#include "collect/metricset.h"

namespace coroscope {

const QString* MetricSet::record(const char* name, std::int64_t micros) {
    const QString key = QString::fromUtf8(name);
    auto it = m_metrics.find(key);
    if (it == m_metrics.end()) {
        if (m_metrics.size() >= kMaxMetrics)
            return nullptr;
        it = m_metrics.emplace(key, Histogram()).first;
    }
    it->second.record(micros);
    return &it->first;
}

std::vector<LatencyMetric> MetricSet::snapshot() const {
    std::vector<LatencyMetric> metrics;
    metrics.reserve(m_metrics.size());
    for (const auto& [name, histogram] : m_metrics)
        metrics.push_back(LatencyMetric{name, histogram});
    return metrics;
}

} // namespace coroscope
