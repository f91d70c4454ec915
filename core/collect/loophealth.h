#pragma once

#include "model/histogram.h"
#include "model/runmodel.h"

#include <array>
#include <cstdint>
#include <vector>

namespace coroscope {

/// The loop probe's ticks folded into lag percentiles (whole run and per second) and
/// utilization (the wall time its ticks cover, and the idle part of it).
class LoopHealth {
public:
    /// One tick at `nowNs`: `lagMicros` late, `idleNs` idle since the previous tick. A second
    /// that closes records `tasksByState` as the states at its end.
    void onTick(std::int64_t nowNs, std::int64_t lagMicros, std::int64_t idleNs,
                const std::array<std::uint64_t, kTaskStateCount>& tasksByState);

    const Histogram& lag() const { return m_lag; }
    const std::vector<LoopSecond>& seconds() const { return m_seconds; }
    std::int64_t wallNs() const { return m_totalWallNs; }
    std::int64_t idleNs() const { return m_totalIdleNs; }
    /// When the last tick came (ns since the origin), -1 before the first.
    std::int64_t lastTickNs() const { return m_lastTickNs; }
    /// Busy share of the covered wall time, 0 before two ticks.
    double utilization() const;

private:
    void closeSecond(std::int64_t nowNs, const std::array<std::uint64_t, kTaskStateCount>& tasksByState);

    Histogram m_lag;
    Histogram m_lagThisSecond;
    std::vector<LoopSecond> m_seconds;
    std::int64_t m_secondStartNs = -1;
    std::int64_t m_lastTickNs = -1;
    std::int64_t m_secondWallNs = 0;
    std::int64_t m_secondIdleNs = 0;
    std::int64_t m_totalWallNs = 0;
    std::int64_t m_totalIdleNs = 0;
};

} // namespace coroscope
