#pragma once

#include "growthestimator.h"
#include "histogram.h"
#include "record.h"
#include "runmodel.h"
#include "settings.h"

#include <QSet>

#include <deque>
#include <functional>
#include <unordered_map>

namespace coroscope {

/// The collector's aggregate of everything recorded: applies records in arrival order and keeps
/// memory bounded (retention limits, bounded strings). Owned and touched by the collector
/// thread; rules read it; snapshot() copies it for other threads.
class RunState {
public:
    explicit RunState(const Settings& settings);

    /// Called for every task whose lifecycle changed (finished, released, error retrieved) and
    /// every new slow callback, so rules can react.
    struct Observer {
        std::function<void(const TaskInfo&)> taskChanged;
        std::function<void(const SlowCallback&)> slowCallback;
    };
    void setObserver(Observer observer) { m_observer = std::move(observer); }

    void apply(Record&& record);

    const std::unordered_map<std::uint64_t, TaskInfo>& tasks() const { return m_tasks; }
    const TaskInfo* task(std::uint64_t id) const;
    std::uint64_t tasksInState(TaskState s) const { return m_byState[std::size_t(s)]; }
    DropCounters& drops() { return m_drops; }

    RunSnapshot snapshot(std::int64_t nowNs) const;

private:
    TaskInfo& taskFor(std::uint64_t id, std::int64_t tNs);
    void setState(TaskInfo& task, TaskState state);
    void onCreated(const Record& r);
    void onSegment(Record& r);
    void onFinished(Record& r);
    void onSlowCallback(Record& r);
    void onBlockingStack(Record& r);
    void onLoopTick(const Record& r);
    void onMemorySample(const Record& r);
    void closeLoopSecond(std::int64_t nowNs);
    void evictFinishedTasks();
    SlowCallback* slowCallbackFor(std::uint64_t dispatchSeq);
    void retractSlowCallback(std::uint64_t dispatchSeq);
    QString describeAwait(const Record& r) const;
    /// Returns a shared copy of `text`: thousands of tasks named "fetch" keep one string.
    QString intern(const QString& text);
    QString taskName(std::uint64_t id) const;

    const Settings& m_settings;
    Observer m_observer;
    std::unordered_map<std::uint64_t, TaskInfo> m_tasks;
    QSet<QString> m_strings;                   ///< interned names, locations and await descriptions
    std::deque<std::uint64_t> m_finishedOrder; ///< eviction order of finished tasks
    std::array<std::uint64_t, kTaskStateCount> m_byState{};
    std::uint64_t m_tasksTotal = 0;
    std::uint64_t m_segmentsTotal = 0;

    std::vector<SlowCallback> m_slowCallbacks;
    std::unordered_map<std::uint64_t, std::size_t> m_slowBySeq;

    Histogram m_lag;
    Histogram m_lagThisSecond;
    std::vector<LoopSecond> m_loopSeconds;
    std::int64_t m_secondStartNs = -1;
    std::int64_t m_lastTickNs = -1;
    std::int64_t m_secondWallNs = 0;
    std::int64_t m_secondIdleNs = 0;
    std::int64_t m_totalWallNs = 0;
    std::int64_t m_totalIdleNs = 0;

    std::vector<MemorySample> m_memory;
    std::size_t m_memoryStride = 1; ///< keep every n-th sample once the bound is reached
    std::size_t m_memorySeen = 0;
    MemoryStats m_memoryStats;
    GrowthEstimator m_rssGrowth;
    GrowthEstimator m_heapGrowth;

    DropCounters m_drops;
};

} // namespace coroscope
