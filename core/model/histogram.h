#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace coroscope {

namespace detail {
// value ∈ [0, highest trackable]. `shift` is 0 below 2048 and k in [1024·2^k, 2048·2^k); the index
// (shift << 10) + (value >> shift) is HdrHistogram's ((bucket + 1) << 10) + (subBucket - 1024) with
// the constants folded. Outside the class so kBucketCount can be computed from it.
constexpr std::int32_t histogramIndex(std::int64_t value) noexcept {
    const auto v = static_cast<std::uint64_t>(value);
    const int shift = 53 - std::countl_zero(v | 2047u); // 53 = 64 - log2(2048)
    return static_cast<std::int32_t>((std::uint64_t(shift) << 10) + (v >> shift));
}
} // namespace detail

/// Percentiles of one histogram, taken once for reports and tables.
struct PercentileSummary {
    std::uint64_t count = 0;
    double mean = 0.0;
    std::int64_t min = 0;
    std::int64_t p50 = 0;
    std::int64_t p90 = 0;
    std::int64_t p95 = 0;
    std::int64_t p99 = 0;
    std::int64_t p999 = 0;
    std::int64_t max = 0;

    bool operator==(const PercentileSummary&) const = default;
};

/// HDR-style latency histogram: 3 significant digits over [0, 1 h] in microseconds.
///
/// Layout (as in HdrHistogram): values below 2048 get one slot each; above that, every power of
/// two [1024·2^k, 2048·2^k) is split into 1024 slots of width 2^k. A slot is never wider than
/// 1/1024 of the values in it, so its midpoint is within 0.05 % of any of them. 2048 is the
/// smallest power of two ≥ 2·10^3, the count HdrHistogram derives for 3 significant digits.
///
/// In this API a "bucket" is one such slot, addressed by a flat index in [0, kBucketCount).
///
/// The counts are allocated once in the constructor; record() is a clamp, a countl_zero, a shift,
/// a multiply and a few adds, with no allocation, loop or floating point, so it can sit on the
/// measured loop (~2 ns). Not thread-safe: keep one histogram per thread and merge() off the loop.
/// A moved-from histogram may only be assigned to or destroyed.
class Histogram {
public:
    static constexpr std::int64_t kHighestTrackable = 3'600'000'000; // 1 h in µs

    /// Values below this each have a bucket of their own (exact).
    static constexpr std::int64_t kSubBucketCount = 2048;
    static_assert(kSubBucketCount >= 2 * 1000 && kSubBucketCount / 2 < 2 * 1000,
                  "3 significant digits need the smallest power of two >= 2*10^3");

    /// Flat index of the bucket `value` lands in, after clamping to [0, kHighestTrackable].
    static constexpr std::int32_t bucketIndexOf(std::int64_t value) noexcept {
        return detail::histogramIndex(std::clamp<std::int64_t>(value, 0, kHighestTrackable));
    }

    /// Buckets up to the one holding kHighestTrackable; the slots above it are never allocated.
    static constexpr std::int32_t kBucketCount = detail::histogramIndex(kHighestTrackable) + 1;

    Histogram();

    /// Adds `count` occurrences of `value`. Values above kHighestTrackable are stored as
    /// kHighestTrackable and counted in saturatedCount(); negative values are stored as 0.
    void record(std::int64_t value, std::uint64_t count = 1) noexcept;
    /// Adds everything `other` recorded, as if it had been recorded here.
    void merge(const Histogram& other) noexcept;
    /// Forgets everything recorded; keeps the allocation.
    void reset() noexcept;

    std::uint64_t count() const noexcept { return m_count; }
    std::int64_t min() const noexcept { return m_count ? m_min : 0; }                        // 0 when empty
    std::int64_t max() const noexcept { return m_count ? m_max : 0; }                        // 0 when empty
    double mean() const noexcept { return m_count ? double(m_sum) / double(m_count) : 0.0; } // 0 when empty
    /// Sum of the (clamped) values. Kept exact internally; the double is exact below 2^53.
    double sum() const noexcept { return double(m_sum); }
    /// How many recorded values were above kHighestTrackable.
    std::uint64_t saturatedCount() const noexcept { return m_saturated; }

    /// Nearest-rank percentile, p in [0, 100]: the smallest recorded value v such that at least
    /// ceil(p/100 * count) values are <= v, reported as the representative (midpoint) of v's bucket,
    /// clamped to [min, max]. p = 0 -> min, p = 100 -> max. 0 when empty.
    std::int64_t percentile(double p) const noexcept;
    PercentileSummary summary() const noexcept;

    /// Sparse form for session files: the non-zero buckets, in increasing index order.
    struct Bucket {
        std::int32_t index;
        std::uint64_t count;
        bool operator==(const Bucket&) const = default;
    };
    std::vector<Bucket> nonZeroBuckets() const;

    /// Rebuilds a histogram from nonZeroBuckets() plus the exact figures kept beside them.
    /// Buckets with an index outside [0, kBucketCount) are skipped, since they can only come
    /// from a damaged or foreign file; min and max are clamped to the trackable range.
    static Histogram fromBuckets(const std::vector<Bucket>& buckets, std::int64_t min, std::int64_t max,
                                 double sum, std::uint64_t saturatedCount = 0);

    /// Value range of bucket `index` (both inclusive), for charts of the distribution.
    static std::int64_t bucketLowestValue(std::int32_t index) noexcept;
    static std::int64_t bucketHighestValue(std::int32_t index) noexcept;
    /// The value a bucket stands for in percentiles: the midpoint of its range.
    static std::int64_t bucketRepresentativeValue(std::int32_t index) noexcept;

    /// Heap plus object size; the same for every histogram: 23 221 counts × 8 bytes + 80 = 185 848 bytes.
    /// The counts stay 64-bit because record() takes a count and a long session can put more than
    /// 2^32 samples in one bucket; a silent wrap would corrupt every percentile above it.
    std::size_t memoryBytes() const noexcept;

    /// Same counts and the same exact figures.
    bool operator==(const Histogram&) const = default;

private:
#if defined(__SIZEOF_INT128__)
    // 3.6e9 · 2^64 fits, so the sum can never overflow, and it costs an add-with-carry rather
    // than floating point on the record path.
    __extension__ using Sum = unsigned __int128;
#else
    using Sum = double; // e.g. MSVC: exact while the sum is below 2^53 µs, ~285 years
#endif

    std::vector<std::uint64_t> m_counts;
    std::uint64_t m_count = 0;
    std::uint64_t m_saturated = 0;
    Sum m_sum = 0;
    // Sentinels so record() needs no "first value" branch; min()/max() hide them when empty.
    std::int64_t m_min = std::numeric_limits<std::int64_t>::max();
    std::int64_t m_max = 0;
};

// Inline: it is the hot path, and a call into the library would cost as much as the work.
inline void Histogram::record(std::int64_t value, std::uint64_t count) noexcept {
    if (count == 0) [[unlikely]]
        return; // would otherwise move min/max without adding a value
    if (value > kHighestTrackable) [[unlikely]] {
        value = kHighestTrackable;
        m_saturated += count;
    } else if (value < 0) [[unlikely]] {
        value = 0;
    }
    m_counts[std::size_t(detail::histogramIndex(value))] += count;
    m_count += count;
    m_sum += Sum(std::uint64_t(value)) * count;
    m_min = std::min(m_min, value);
    m_max = std::max(m_max, value);
}

} // namespace coroscope
