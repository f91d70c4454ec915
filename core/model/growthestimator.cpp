#include "model/growthestimator.h"

namespace coroscope {

GrowthEstimator::GrowthEstimator(std::chrono::nanoseconds window)
    : m_window(window) {}

void GrowthEstimator::add(std::int64_t tNanos, std::int64_t bytes) {
    if (!m_points.empty() && tNanos < m_points.back().tNanos)
        return;
    m_points.push_back({tNanos, bytes});
    const std::int64_t oldestKept = tNanos - m_window.count();
    while (m_points.front().tNanos < oldestKept)
        m_points.pop_front();
}

double GrowthEstimator::bytesPerSecond() const {
    const std::size_t n = m_points.size();
    if (n < 2)
        return 0.0;

    // Work relative to the oldest point and centre on the means (two passes) so precision does
    // not depend on how long the process has run or how large the heap is: the one-pass
    // formula subtracts sums of squared raw nanoseconds. The window holds at most a few
    // thousand points, so two passes per query cost microseconds.
    const Point origin = m_points.front();
    double meanT = 0.0;
    double meanB = 0.0;
    for (const Point& p : m_points) {
        meanT += double(p.tNanos - origin.tNanos);
        meanB += double(p.bytes - origin.bytes);
    }
    meanT /= double(n);
    meanB /= double(n);

    double sxy = 0.0;
    double sxx = 0.0;
    for (const Point& p : m_points) {
        const double dt = double(p.tNanos - origin.tNanos) - meanT;
        const double db = double(p.bytes - origin.bytes) - meanB;
        sxy += dt * db;
        sxx += dt * dt;
    }
    if (sxx <= 0.0)
        return 0.0;
    return sxy / sxx * 1e9; // bytes per nanosecond -> bytes per second
}

std::int64_t GrowthEstimator::spanNanos() const {
    if (m_points.size() < 2)
        return 0;
    return m_points.back().tNanos - m_points.front().tNanos;
}

} // namespace coroscope
