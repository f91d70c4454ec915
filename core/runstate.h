#pragma once

#include "growthestimator.h"
#include "histogram.h"
#include "record.h"
#include "runmodel.h"
#include "settings.h"

#include <QSet>

#include <deque>
#include <functional>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace coroscope {
namespace heap {
struct Account;
} // namespace heap
namespace session {
class SessionTap;
} // namespace session

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

    /// Takes what it keeps from `record` (its text is moved out; the rest is only read).
    void apply(Record& record);

    const std::unordered_map<std::uint64_t, TaskInfo>& tasks() const { return m_tasks; }
    /// Ids of the tasks not finished yet: rules that look at pending tasks walk only these.
    const std::unordered_set<std::uint64_t>& unfinishedTasks() const { return m_unfinished; }
    /// "sleep 50 ms", "task #12 (fetch)", "network http://…": what a suspended task waits for.
    QString describeAwait(const TaskInfo& task) const;
    /// Names tasks created before the symbolizer was warm (no-op until it is, unless `force`).
    void resolvePendingNames(bool force);
    const TaskInfo* task(std::uint64_t id) const;
    std::uint64_t tasksInState(TaskState s) const { return m_byState[std::size_t(s)]; }
    std::uint64_t tasksTotal() const { return m_tasksTotal; }
    std::uint64_t segmentsTotal() const { return m_segmentsTotal; }
    const SlowCallback* slowCallback(std::uint64_t dispatchSeq) const;
    /// Loop probe totals since the start: wall time covered by ticks, and the idle part of it.
    std::int64_t loopWallNs() const { return m_totalWallNs; }
    std::int64_t loopIdleNs() const { return m_totalIdleNs; }
    /// Feeds a session writer: told of every change as records are applied (null: none).
    void setSessionTap(session::SessionTap* tap) { m_tap = tap; }
    DropCounters& drops() { return m_drops; }

    RunSnapshot snapshot(std::int64_t nowNs) const;

    /// Copies the per-task heap accounts (written by the malloc interposer on the measured
    /// threads) into allocatedBytes/liveBytes. Cheap per task; called before rules look.
    void refreshHeapAccounts();
    /// Takes the accounts' last values and stops reading them: after the run, the process keeps
    /// freeing (and the report and the session must agree on one figure).
    void freezeHeapAccounts();

private:
    TaskInfo& taskFor(std::uint64_t id, std::int64_t tNs);
    void setState(TaskInfo& task, TaskState state);
    void onCreated(Record& r);
    void nameAfterCoroutine(TaskInfo& task);
    void onSegment(Record& r);
    void onFinished(Record& r);
    void onSlowCallback(Record& r);
    void onBlockingStack(Record& r);
    void onLoopTick(const Record& r);
    void onMemorySample(const Record& r);
    void onMetricSample(const Record& r);
    void onAllocation(const Record& r);
    void closeLoopSecond(std::int64_t nowNs);
    void evictFinishedTasks();
    SlowCallback* slowCallbackFor(std::uint64_t dispatchSeq);
    void retractSlowCallback(std::uint64_t dispatchSeq);
    /// Returns a shared copy of `text`: thousands of tasks named "fetch" keep one string.
    QString intern(const QString& text);
    QString taskName(std::uint64_t id) const;

    const Settings& m_settings;
    Observer m_observer;
    std::unordered_map<std::uint64_t, TaskInfo> m_tasks;
    /// Tasks with a heap account (the interposer is linked): read, never written, here.
    std::unordered_map<std::uint64_t, const heap::Account*> m_heapAccounts;
    QSet<QString> m_strings; ///< interned names and locations
    std::unordered_set<std::uint64_t> m_unfinished;
    std::vector<std::uint64_t> m_pendingNames; ///< unnamed tasks waiting for the symbolizer
    std::deque<std::uint64_t> m_finishedOrder; ///< eviction order of finished tasks
    std::array<std::uint64_t, kTaskStateCount> m_byState{};
    std::uint64_t m_tasksTotal = 0;
    std::uint64_t m_segmentsTotal = 0;

    std::vector<SlowCallback> m_slowCallbacks;
    std::unordered_map<std::uint64_t, std::size_t> m_slowBySeq;
    std::unordered_set<std::uint64_t> m_retractedSeqs; ///< bounded: recent retractions only

    std::map<QString, Histogram> m_metrics; ///< bounded by the metric names a run uses
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
    session::SessionTap* m_tap = nullptr;
};

} // namespace coroscope
