#include "collect/sessiontap.h"

#include "collect/loophealth.h"
#include "collect/slowcallbacklog.h"
#include "collect/tasktable.h"

namespace coroscope::session {

void SessionTap::onSegment(const SegmentRow& row) {
    if (m_segments.size() >= kMaxPendingSegments) {
        ++m_segmentsOverflowed;
        return;
    }
    m_segments.push_back(row);
}

void SessionTap::onSlowCallbackRetracted(std::uint64_t seq) {
    m_dirtySlow.erase(seq);
    m_retracted.push_back(seq);
}

void SessionTap::onAwait(const QString& key, std::int64_t micros) {
    auto it = m_awaits.find(key);
    if (it == m_awaits.end())
        it = m_awaits.emplace(key, Histogram()).first;
    it->second.record(micros);
}

void SessionTap::onMetric(const QString& name, std::int64_t micros) {
    auto it = m_metrics.find(name);
    if (it == m_metrics.end())
        it = m_metrics.emplace(name, Histogram()).first;
    it->second.record(micros);
}

SessionDelta SessionTap::take(const TaskTable& tasks, const SlowCallbackLog& slow, const LoopHealth& loop,
                              std::int64_t nowNs) {
    SessionDelta d;
    d.tNs = nowNs;
    d.tasks.reserve(m_dirtyTasks.size());
    for (const std::uint64_t id : m_dirtyTasks) {
        if (const TaskInfo* t = tasks.task(id)) {
            d.tasks.push_back(*t);
            d.tasks.back().awaiting = tasks.describeAwait(*t);
        }
    }
    m_dirtyTasks.clear();
    d.segments = std::exchange(m_segments, {});
    d.segmentsOverflowed = std::exchange(m_segmentsOverflowed, 0);
    for (const std::uint64_t seq : m_dirtySlow)
        if (const SlowCallback* entry = slow.find(seq); entry && !entry->ongoing)
            d.slowCallbacks.push_back(*entry);
    m_dirtySlow.clear();
    // A callback still blocking counts up in every delta: the session says how long it has run
    // so far, live and after a kill, not only how long it had when the watchdog first saw it.
    for (SlowCallback& running : slow.ongoing(nowNs))
        d.slowCallbacks.push_back(std::move(running));
    d.retractedSlowSeqs = std::exchange(m_retracted, {});
    d.memory = std::exchange(m_memory, {});
    m_taskMemory.sample(tasks, nowNs, d.taskMemory);
    d.lagWindow = SparseHistogram::of(m_lag);
    m_lag.reset();
    for (auto& [name, histogram] : m_metrics) {
        if (histogram.count() == 0)
            continue;
        d.metricWindows.emplace_back(name, SparseHistogram::of(histogram));
        histogram.reset();
    }
    for (auto& [key, histogram] : m_awaits) {
        if (histogram.count() == 0)
            continue;
        d.awaitWindows.emplace_back(key, SparseHistogram::of(histogram));
        histogram.reset();
    }
    d.loopWallNs = loop.wallNs();
    d.loopIdleNs = loop.idleNs();
    d.tasksByState = tasks.tasksByState();
    d.tasksTotal = tasks.tasksTotal();
    d.segmentsTotal = tasks.segmentsTotal();
    return d;
}

} // namespace coroscope::session
