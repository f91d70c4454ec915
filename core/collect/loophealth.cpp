#include "collect/loophealth.h"

#include <algorithm>

namespace coroscope {
namespace {
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

double busyShare(std::int64_t wallNs, std::int64_t idleNs) {
    return wallNs > 0 ? 1.0 - double(idleNs) / double(wallNs) : 0.0;
}
} // namespace

void LoopHealth::onTick(std::int64_t nowNs, std::int64_t lagMicros, std::int64_t idleNs,
                        const std::array<std::uint64_t, kTaskStateCount>& tasksByState) {
    m_lag.record(lagMicros);
    m_lagThisSecond.record(lagMicros);
    if (m_lastTickNs >= 0) {
        const std::int64_t wall = nowNs - m_lastTickNs;
        const std::int64_t idle = std::min(wall, idleNs);
        m_secondWallNs += wall;
        m_secondIdleNs += idle;
        m_totalWallNs += wall;
        m_totalIdleNs += idle;
    }
    m_lastTickNs = nowNs;
    if (m_secondStartNs < 0)
        m_secondStartNs = nowNs;
    if (nowNs - m_secondStartNs >= kNanosPerSecond)
        closeSecond(nowNs, tasksByState);
}

void LoopHealth::closeSecond(std::int64_t nowNs,
                             const std::array<std::uint64_t, kTaskStateCount>& tasksByState) {
    LoopSecond second;
    second.tNs = nowNs;
    second.lagP50Ns = m_lagThisSecond.percentile(50) * 1000;
    second.lagP99Ns = m_lagThisSecond.percentile(99) * 1000;
    second.lagMaxNs = m_lagThisSecond.max() * 1000;
    second.utilization = busyShare(m_secondWallNs, m_secondIdleNs);
    second.tasksByState = tasksByState;
    m_seconds.push_back(second);
    m_lagThisSecond.reset();
    m_secondStartNs = nowNs;
    m_secondWallNs = 0;
    m_secondIdleNs = 0;
}

double LoopHealth::utilization() const {
    return busyShare(m_totalWallNs, m_totalIdleNs);
}

} // namespace coroscope
