#pragma once

#include "model/histogram.h"
#include "model/runmodel.h"

#include <QString>

#include <map>
#include <vector>

namespace coroscope {

/// The workload's latency metrics, one histogram (µs) per name; bounded by kMaxMetrics names.
class MetricSet {
public:
    static constexpr std::size_t kMaxMetrics = 1000;

    /// Records `micros` under `name`; returns the stored name, or null past the limit.
    const QString* record(const char* name, std::int64_t micros);
    std::vector<LatencyMetric> snapshot() const;

private:
    std::map<QString, Histogram> m_metrics;
};

} // namespace coroscope
