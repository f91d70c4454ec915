#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>

namespace coroscope {

/// Estimates how fast a byte count grows: the least-squares slope over a sliding time window.
///
/// A regression rather than (last - first) / span so that one noisy sample (a transient buffer,
/// a page reclaimed) moves the estimate a little instead of deciding it. Memory is bounded by
/// the window: a point older than `window` before the newest point is dropped on add(), so a
/// caller adding every `interval` holds at most window / interval + 1 points.
///
/// Not thread-safe; MemorySampler uses it from its sampler thread only.
class GrowthEstimator {
public:
    explicit GrowthEstimator(std::chrono::nanoseconds window = std::chrono::seconds(10));

    /// Adds a point. Timestamps must not decrease: a point older than the newest one is
    /// ignored (keeps the window a simple queue; Clock is monotonic so it does not happen).
    void add(std::int64_t tNanos, std::int64_t bytes);

    /// Least-squares slope in bytes per second over the points in the window.
    ///
    /// 0 with fewer than two points or when all points share one timestamp. There is no
    /// minimum span: a short span gives a noisy estimate, so callers that act on it (the
    /// memory-growth rule) should check spanNanos() against their own threshold rather than
    /// have this class silently answer 0 for the first seconds of a session.
    double bytesPerSecond() const;

    /// Time between the oldest and newest point in the window (0 with fewer than 2 points).
    std::int64_t spanNanos() const;

    std::size_t size() const { return m_points.size(); }
    std::chrono::nanoseconds window() const { return m_window; }
    void clear() { m_points.clear(); }

private:
    struct Point {
        std::int64_t tNanos;
        std::int64_t bytes;
    };

    std::chrono::nanoseconds m_window;
    std::deque<Point> m_points;
};

} // namespace coroscope
