#pragma once

#include "collect/taskmemorysampler.h"
#include "recording/sessiondelta.h"

#include <map>
#include <unordered_set>

namespace coroscope {
class LoopHealth;
class SlowCallbackLog;
class TaskTable;
} // namespace coroscope

namespace coroscope::session {

/// Collects, inside the collector, what changed since the last SessionDelta: RunState calls the
/// on*() hooks as it applies records, and the collector cuts a delta from it (both on the
/// collector thread, under its lock). Bounded: segments past kMaxPendingSegments are counted,
/// not kept.
class SessionTap {
public:
    static constexpr std::size_t kMaxPendingSegments = 2'000'000;

    void onTaskChanged(std::uint64_t id) { m_dirtyTasks.insert(id); }
    void onSegment(const SegmentRow& row);
    void onSlowCallbackChanged(std::uint64_t seq) { m_dirtySlow.insert(seq); }
    void onSlowCallbackRetracted(std::uint64_t seq);
    void onLag(std::int64_t micros) { m_lag.record(micros); }
    void onMetric(const QString& name, std::int64_t micros);
    /// An await closed at the site named `key` (awaitSiteKey()).
    void onAwait(const QString& key, std::int64_t micros);
    void onMemorySample(const MemorySample& sample) { m_memory.push_back(sample); }

    /// The next take() samples the per-task heap whatever its cadence (the last one, at the end).
    void sampleTaskMemoryNextTake() noexcept { m_taskMemory.sampleNextTime(); }

    /// Everything since the last take, the changed rows read from the aggregates they live in;
    /// clears what it took.
    SessionDelta take(const TaskTable& tasks, const SlowCallbackLog& slow, const LoopHealth& loop,
                      std::int64_t nowNs);

private:
    std::unordered_set<std::uint64_t> m_dirtyTasks;
    std::vector<SegmentRow> m_segments;
    std::uint64_t m_segmentsOverflowed = 0;
    std::unordered_set<std::uint64_t> m_dirtySlow;
    std::vector<std::uint64_t> m_retracted;
    Histogram m_lag;
    std::map<QString, Histogram> m_metrics;
    std::map<QString, Histogram> m_awaits;
    std::vector<MemorySample> m_memory;
    TaskMemorySampler m_taskMemory;
};

} // namespace coroscope::session
