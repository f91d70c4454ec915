#include "collect/runstate.h"

#include "collect/sessiontap.h"

namespace coroscope {
namespace {
std::int64_t ns(Clock::Ticks ticks) {
    return Clock::sinceOrigin(ticks);
}
} // namespace

RunState::RunState(const Settings& settings)
    : m_tasks(settings)
    , m_slow(settings)
    , m_memory(settings.maxMemorySamples) {}

void RunState::markRunningNow(std::uint64_t taskId) {
    if (!m_tasks.markRunningNow(taskId))
        return;
    if (m_tap)
        m_tap->onTaskChanged(taskId);
    if (const TaskInfo* task = m_tasks.task(taskId))
        taskChanged(*task);
}

void RunState::taskChanged(const TaskInfo& task) {
    if (m_observer.taskChanged)
        m_observer.taskChanged(task);
}

void RunState::apply(Record& r) {
    if (m_tap && r.task() && r.kind() <= RecordKind::TaskReleased)
        m_tap->onTaskChanged(r.task());
    switch (r.kind()) {
    case RecordKind::TaskCreated:
        m_tasks.onCreated(r);
        break;
    case RecordKind::TaskSegment:
        onSegment(r);
        break;
    case RecordKind::TaskFinished:
        tellTapOfAwait(m_awaits.onFinished(r.task(), ns(r.at())));
        taskChanged(m_tasks.onFinished(r));
        m_tasks.evictFinishedTasks();
        break;
    case RecordKind::TaskCancelRequested:
        m_tasks.onCancelRequested(r);
        break;
    case RecordKind::TaskErrorRetrieved:
    case RecordKind::TaskReleased:
        if (const TaskInfo* task = m_tasks.onFlag(r))
            taskChanged(*task);
        break;
    case RecordKind::SlowCallback:
        onSlowCallback(r);
        break;
    case RecordKind::BlockingStack:
        onBlockingStack(r);
        break;
    case RecordKind::LoopTick:
        onLoopTick(r);
        break;
    case RecordKind::MemorySample: {
        const MemorySample sample = r.memorySample();
        if (m_tap)
            m_tap->onMemorySample(sample);
        m_memory.add(sample);
        break;
    }
    case RecordKind::MetricSample: {
        if (!r.metricName())
            break;
        const std::int64_t micros = r.metricNanos() / 1000;
        const QString* name = m_metrics.record(r.metricName(), micros);
        if (name && m_tap)
            m_tap->onMetric(*name, micros);
        break;
    }
    case RecordKind::Allocation:
        // A buffer released after the task's last segment must reach the session too.
        if (m_tasks.onAllocation(r) && m_tap)
            m_tap->onTaskChanged(r.task());
        break;
    }
}

void RunState::tellTapOfAwait(const AwaitSiteLog::Closed& closed) {
    if (closed.key && m_tap)
        m_tap->onAwait(*closed.key, closed.micros);
}

void RunState::onSegment(Record& r) {
    tellTapOfAwait(
        m_awaits.onSegment(r.task(), ns(r.at()), ns(r.segmentEnd()), r.awaitSite(), r.awaitContinues()));
    const TaskInfo& task = m_tasks.onSegment(r);
    if (m_tap) {
        const std::int64_t start = ns(r.at());
        m_tap->onSegment({task.id, start, ns(r.segmentEnd()), r.readyAt() ? ns(r.readyAt()) : start,
                          Clock::toNanos(r.exclusiveTicks())});
    }
}

void RunState::onBlockingStack(Record& r) {
    const SlowCallback* slow = m_slow.onBlockingStack(r, m_tasks);
    if (!slow)
        return;
    if (m_tap)
        m_tap->onSlowCallbackChanged(r.dispatchSeq());
    // Still blocking: the rules hear of it now, not when (or if) it returns.
    if (slow->ongoing && m_observer.slowCallback)
        m_observer.slowCallback(*slow);
}

void RunState::onSlowCallback(Record& r) {
    if (r.isRetraction()) {
        m_slow.retract(r.dispatchSeq());
        if (m_tap)
            m_tap->onSlowCallbackRetracted(r.dispatchSeq());
        if (m_observer.slowCallbackRetracted)
            m_observer.slowCallbackRetracted(r.dispatchSeq());
        return;
    }
    const SlowCallback* slow = m_slow.onSlowCallback(r, m_tasks);
    if (!slow)
        return;
    if (m_tap)
        m_tap->onSlowCallbackChanged(r.dispatchSeq());
    if (m_observer.slowCallback)
        m_observer.slowCallback(*slow);
}

void RunState::onLoopTick(const Record& r) {
    const std::int64_t lagMicros = r.lagNanos() / 1000;
    if (m_tap)
        m_tap->onLag(lagMicros);
    m_loop.onTick(ns(r.at()), lagMicros, Clock::toNanos(r.idleTicks()), m_tasks.tasksByState());
}

std::function<void(std::uint64_t)> RunState::tellTap() {
    if (!m_tap)
        return {};
    return [tap = m_tap](std::uint64_t id) { tap->onTaskChanged(id); };
}

void RunState::refreshHeapAccounts() {
    const auto changed = tellTap();
    m_tasks.refreshHeapAccounts(changed);
    m_tasks.refreshTopHeapAccounts(changed);
}

void RunState::freezeHeapAccounts() {
    m_tasks.freezeHeapAccounts(tellTap());
}

DropCounters RunState::drops() const {
    DropCounters d;
    d.evictedTasks = m_tasks.evictedTasks();
    d.slowCallbacksOverLimit = m_slow.overLimit();
    d.diagnosticsOverLimit = m_diagnosticsOverLimit;
    return d;
}

RunSnapshot RunState::snapshot(std::int64_t nowNs) const {
    RunSnapshot s;
    s.nowNs = nowNs;
    s.tasks = m_tasks.snapshot();
    s.tasksByState = m_tasks.tasksByState();
    s.tasksTotal = m_tasks.tasksTotal();
    s.segmentsTotal = m_tasks.segmentsTotal();
    s.slowCallbacks = m_slow.snapshot(nowNs);
    s.loopLagMicros = m_loop.lag();
    s.latency = m_metrics.snapshot();
    s.awaitSites = m_awaits.snapshot();
    s.loopSeconds = m_loop.seconds();
    s.loopUtilization = m_loop.utilization();
    s.memory = m_memory.samples();
    s.memoryStats = m_memory.stats();
    s.drops = drops();
    return s;
}

} // namespace coroscope
