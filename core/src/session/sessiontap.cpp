#include "session/sessiontap.h"

#include "runstate.h"

#include <QtEndian>

namespace coroscope::session {

SparseHistogram SparseHistogram::of(const Histogram& h) {
    SparseHistogram s;
    s.count = h.count();
    if (s.count == 0)
        return s;
    s.buckets = h.nonZeroBuckets();
    s.min = h.min();
    s.max = h.max();
    s.sum = h.sum();
    s.saturated = h.saturatedCount();
    return s;
}

Histogram SparseHistogram::toHistogram() const {
    return count ? Histogram::fromBuckets(buckets, min, max, sum, saturated) : Histogram();
}

QByteArray SparseHistogram::bucketsBlob() const {
    QByteArray blob(qsizetype(buckets.size() * 12), Qt::Uninitialized);
    char* out = blob.data();
    for (const Histogram::Bucket& b : buckets) {
        qToLittleEndian<std::int32_t>(b.index, out);
        qToLittleEndian<std::uint64_t>(b.count, out + 4);
        out += 12;
    }
    return blob;
}

bool SparseHistogram::parseBuckets(const QByteArray& blob, std::vector<Histogram::Bucket>& out) {
    if (blob.size() % 12 != 0)
        return false;
    out.clear();
    out.reserve(std::size_t(blob.size() / 12));
    for (qsizetype at = 0; at < blob.size(); at += 12)
        out.push_back({qFromLittleEndian<std::int32_t>(blob.constData() + at),
                       qFromLittleEndian<std::uint64_t>(blob.constData() + at + 4)});
    return true;
}

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

void SessionTap::onMetric(const QString& name, std::int64_t micros) {
    auto it = m_metrics.find(name);
    if (it == m_metrics.end())
        it = m_metrics.emplace(name, Histogram()).first;
    it->second.record(micros);
}

SessionDelta SessionTap::take(const RunState& state, std::int64_t nowNs) {
    SessionDelta d;
    d.tNs = nowNs;
    d.tasks.reserve(m_dirtyTasks.size());
    for (const std::uint64_t id : m_dirtyTasks) {
        if (const TaskInfo* t = state.task(id)) {
            d.tasks.push_back(*t);
            d.tasks.back().awaiting = state.describeAwait(*t);
        }
    }
    m_dirtyTasks.clear();
    d.segments = std::exchange(m_segments, {});
    d.segmentsOverflowed = std::exchange(m_segmentsOverflowed, 0);
    for (const std::uint64_t seq : m_dirtySlow)
        if (const SlowCallback* slow = state.slowCallback(seq))
            d.slowCallbacks.push_back(*slow);
    m_dirtySlow.clear();
    d.retractedSlowSeqs = std::exchange(m_retracted, {});
    d.memory = std::exchange(m_memory, {});
    d.lagWindow = SparseHistogram::of(m_lag);
    m_lag.reset();
    for (auto& [name, histogram] : m_metrics) {
        if (histogram.count() == 0)
            continue;
        d.metricWindows.emplace_back(name, SparseHistogram::of(histogram));
        histogram.reset();
    }
    d.loopWallNs = state.loopWallNs();
    d.loopIdleNs = state.loopIdleNs();
    for (int s = 0; s < kTaskStateCount; ++s)
        d.tasksByState[std::size_t(s)] = state.tasksInState(TaskState(s));
    d.tasksTotal = state.tasksTotal();
    d.segmentsTotal = state.segmentsTotal();
    return d;
}

} // namespace coroscope::session
