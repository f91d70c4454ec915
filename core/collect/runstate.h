#pragma once

#include "collect/awaitsitelog.h"
#include "collect/loophealth.h"
#include "collect/memoryseries.h"
#include "collect/metricset.h"
#include "collect/slowcallbacklog.h"
#include "collect/tasktable.h"
#include "instrument/record.h"
#include "model/runmodel.h"
#include "model/settings.h"

#include <functional>

namespace coroscope {
namespace session {
class SessionTap;
} // namespace session

/// The collector's aggregate of everything recorded: applies each record, in arrival order, to
/// the part it concerns — the tasks, the slow callbacks, the loop's health, the memory series,
/// the metrics — and tells the session tap and the rules what changed. Owned and touched by the
/// collector thread; snapshot() copies it for other threads.
class RunState {
public:
    explicit RunState(const Settings& settings);

    /// Called for every task whose lifecycle changed (finished, released, error retrieved), every
    /// slow callback first seen by the watchdog while it still runs or ended, and every sighting
    /// retracted, so rules can react.
    struct Observer {
        std::function<void(const TaskInfo&)> taskChanged;
        std::function<void(const SlowCallback&)> slowCallback;
        std::function<void(std::uint64_t dispatchSeq)> slowCallbackRetracted;
    };
    void setObserver(Observer observer) { m_observer = std::move(observer); }
    /// Feeds a session writer: told of every change as records are applied (null: none).
    void setSessionTap(session::SessionTap* tap) { m_tap = tap; }

    /// Takes what it keeps from `record` (its text is moved out; the rest is only read).
    void apply(Record& record);

    const TaskTable& tasks() const { return m_tasks; }
    /// See TaskTable::markRunningNow(); observers and the tap hear of it.
    void markRunningNow(std::uint64_t taskId);
    const SlowCallbackLog& slowCallbacks() const { return m_slow; }
    const LoopHealth& loop() const { return m_loop; }

    /// Names tasks created before the symbolizer was warm (no-op until it is, unless `force`).
    void resolvePendingNames(bool force) { m_tasks.resolvePendingNames(force); }
    /// See TaskTable::refreshHeapAccounts(), then the top heap tasks' accounts whatever the slice
    /// (TaskTable::refreshTopHeapAccounts()); the tap hears of the tasks whose figures moved.
    void refreshHeapAccounts();
    void freezeHeapAccounts();

    /// A diagnostic was not kept: its rule reported more than the limit.
    void countDiagnosticOverLimit() { ++m_diagnosticsOverLimit; }
    /// What was not kept (channel drops are the collector's to add).
    DropCounters drops() const;

    RunSnapshot snapshot(std::int64_t nowNs) const;

private:
    void taskChanged(const TaskInfo& task);
    /// Tells the tap of a task whose figures changed outside a record (empty without a tap).
    std::function<void(std::uint64_t)> tellTap();
    void onSegment(Record& r);
    void tellTapOfAwait(const AwaitSiteLog::Closed& closed);
    void onSlowCallback(Record& r);
    void onBlockingStack(Record& r);
    void onLoopTick(const Record& r);

    Observer m_observer;
    session::SessionTap* m_tap = nullptr;
    TaskTable m_tasks;
    SlowCallbackLog m_slow;
    LoopHealth m_loop;
    MemorySeries m_memory;
    MetricSet m_metrics;
    AwaitSiteLog m_awaits;
    std::uint64_t m_diagnosticsOverLimit = 0;
};

} // namespace coroscope
