#include "model/histogram.h"

#include <cmath>

namespace coroscope {
namespace {

// Inverse of detail::histogramIndex: slots below 2048 have width 1, and each later run of 1024
// slots doubles the width.
int bucketShift(std::int32_t index) noexcept {
    return std::max(0, (index >> 10) - 1);
}

bool validIndex(std::int32_t index) noexcept {
    return index >= 0 && index < Histogram::kBucketCount;
}

// Nearest rank ceil(p/100 · n), in [1, n]. p/100 is rarely exact in binary, so 99.9 % of 1000 can
// come out as 999.0000000000001 and ceil would skip a rank; products within a relative 1e-9 of
// an integer are taken to be that integer.
std::uint64_t nearestRank(double p, std::uint64_t count) noexcept {
    double target = p * double(count) / 100.0;
    const double nearest = std::nearbyint(target);
    if (std::abs(target - nearest) <= 1e-9 * std::max(1.0, target))
        target = nearest;
    const auto rank = static_cast<std::uint64_t>(std::ceil(target));
    return std::clamp<std::uint64_t>(rank, 1, count);
}

} // namespace

Histogram::Histogram()
    : m_counts(std::size_t(kBucketCount), 0) {}

void Histogram::merge(const Histogram& other) noexcept {
    if (other.m_count == 0)
        return;
    for (std::size_t i = 0; i < m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    m_count += other.m_count;
    m_saturated += other.m_saturated;
    m_sum += other.m_sum;
    m_min = std::min(m_min, other.m_min);
    m_max = std::max(m_max, other.m_max);
}

void Histogram::reset() noexcept {
    std::fill(m_counts.begin(), m_counts.end(), 0);
    m_count = 0;
    m_saturated = 0;
    m_sum = 0;
    m_min = std::numeric_limits<std::int64_t>::max();
    m_max = 0;
}

std::int64_t Histogram::percentile(double p) const noexcept {
    if (m_count == 0)
        return 0;
    // Also catches NaN: !(NaN > 0).
    if (!(p > 0.0))
        return m_min;
    if (p >= 100.0)
        return m_max;

    const std::uint64_t rank = nearestRank(p, m_count);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < m_counts.size(); ++i) {
        seen += m_counts[i];
        if (seen >= rank)
            // The clamp keeps the midpoint from overshooting the exact extremes, so a
            // one-value histogram reports that value at every percentile.
            return std::clamp(bucketRepresentativeValue(std::int32_t(i)), m_min, m_max);
    }
    return m_max; // unreachable while the counts add up to m_count
}

PercentileSummary Histogram::summary() const noexcept {
    PercentileSummary s;
    s.count = m_count;
    s.mean = mean();
    s.min = min();
    s.p50 = percentile(50.0);
    s.p90 = percentile(90.0);
    s.p95 = percentile(95.0);
    s.p99 = percentile(99.0);
    s.p999 = percentile(99.9);
    s.max = max();
    return s;
}

std::vector<Histogram::Bucket> Histogram::nonZeroBuckets() const {
    std::vector<Bucket> buckets;
    for (std::size_t i = 0; i < m_counts.size(); ++i) {
        if (m_counts[i] != 0)
            buckets.push_back(Bucket{std::int32_t(i), m_counts[i]});
    }
    return buckets;
}

Histogram Histogram::fromBuckets(const std::vector<Bucket>& buckets, std::int64_t min, std::int64_t max,
                                 double sum, std::uint64_t saturatedCount) {
    Histogram h;
    for (const Bucket& b : buckets) {
        if (!validIndex(b.index) || b.count == 0)
            continue;
        h.m_counts[std::size_t(b.index)] += b.count;
        h.m_count += b.count;
    }
    if (h.m_count == 0)
        return h; // keep the empty sentinels so it equals a fresh Histogram
    h.m_min = std::clamp<std::int64_t>(min, 0, kHighestTrackable);
    h.m_max = std::clamp<std::int64_t>(max, h.m_min, kHighestTrackable);
    // Bounded by what the counts allow: converting a NaN or out-of-range double would be UB.
    const double highestSum = double(h.m_max) * double(h.m_count);
    h.m_sum = sum > 0.0 ? Sum(std::min(sum, highestSum)) : Sum(0);
    h.m_saturated = std::min(saturatedCount, h.m_count);
    return h;
}

std::int64_t Histogram::bucketLowestValue(std::int32_t index) noexcept {
    if (!validIndex(index))
        return 0;
    const int shift = bucketShift(index);
    return std::int64_t(index - (shift << 10)) << shift;
}

std::int64_t Histogram::bucketHighestValue(std::int32_t index) noexcept {
    if (!validIndex(index))
        return 0;
    return bucketLowestValue(index) + (std::int64_t(1) << bucketShift(index)) - 1;
}

std::int64_t Histogram::bucketRepresentativeValue(std::int32_t index) noexcept {
    if (!validIndex(index))
        return 0;
    // Midpoint, not the lowest value: halves the worst-case error to 1/2048 of the value.
    return bucketLowestValue(index) + ((std::int64_t(1) << bucketShift(index)) >> 1);
}

std::size_t Histogram::memoryBytes() const noexcept {
    return sizeof(Histogram) + m_counts.capacity() * sizeof(std::uint64_t);
}

} // namespace coroscope
