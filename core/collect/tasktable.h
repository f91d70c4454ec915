#pragma once

#include "collect/topheaptasks.h"
#include "instrument/record.h"
#include "model/runmodel.h"
#include "model/settings.h"

#include <QSet>

#include <array>
#include <deque>
#include <functional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace coroscope {
namespace heap {
struct Account;
} // namespace heap

/// Every task the collector knows: lifecycle records applied in arrival order, finished tasks
/// evicted past the retention limit (counts by state stay exact), names and locations interned.
/// Collector thread only; the diagnostic rules read it.
class TaskTable {
public:
    explicit TaskTable(const Settings& settings);

    // Each returns the task the record changed (apply() hands it to the rules and the tap).
    TaskInfo& onCreated(Record& r);
    TaskInfo& onSegment(Record& r);
    /// The task stays until evictFinishedTasks(): the rules look at it first.
    TaskInfo& onFinished(Record& r);
    void onCancelRequested(const Record& r);
    /// TaskReleased or TaskErrorRetrieved; null for a task already evicted (it stays gone).
    TaskInfo* onFlag(const Record& r);
    /// Null when the task is unknown (evicted, or the buffer was allocated outside any task).
    TaskInfo* onAllocation(const Record& r);

    const std::unordered_map<std::uint64_t, TaskInfo>& tasks() const { return m_tasks; }
    /// Ids of the tasks not finished yet: rules that look at pending tasks walk only these.
    const std::unordered_set<std::uint64_t>& unfinishedTasks() const { return m_unfinished; }
    /// Unfinished tasks per spawn location ("" where it is unknown), kept as tasks come and go.
    const QHash<QString, std::uint64_t>& liveBySpawnSite() const { return m_liveBySite; }
    const TaskInfo* task(std::uint64_t id) const;
    QString taskName(std::uint64_t id) const;
    /// "sleep 50 ms", "task #12 (fetch)", "network http://…": what a suspended task waits for.
    QString describeAwait(const TaskInfo& task) const;

    const std::array<std::uint64_t, kTaskStateCount>& tasksByState() const { return m_byState; }
    std::uint64_t tasksTotal() const { return m_tasksTotal; }
    std::uint64_t segmentsTotal() const { return m_segmentsTotal; }
    std::uint64_t evictedTasks() const { return m_evicted; }

    /// Names tasks created before the symbolizer was warm (no-op until it is, unless `force`).
    void resolvePendingNames(bool force);
    /// Drops the oldest finished tasks past the retention limit.
    void evictFinishedTasks();
    /// Copies the per-task heap accounts (written by the malloc interposer on the measured threads)
    /// into allocatedBytes/liveBytes, telling `changed` of each task whose figures moved. Called
    /// before every session batch and rule tick, so bounded: a task's figures are refreshed at the
    /// end of each of its segments (whose record already tells the session tap of the task), and
    /// every account once per kHeapRefreshSlice accounts read
    /// here (all of them each call up to that many tasks; at a million, each within ~6 s: a block
    /// another task frees is seen that late).
    void refreshHeapAccounts(const std::function<void(std::uint64_t)>& changed = {});
    static constexpr std::size_t kHeapRefreshSlice = 16384;
    /// Takes the accounts' last values and stops reading them: after the run, the process keeps
    /// freeing (and the report and the session must agree on one figure).
    void freezeHeapAccounts(const std::function<void(std::uint64_t)>& changed = {});
    /// Reads the accounts of the top heap tasks (topHeap()) now, whatever the slice: the per-task
    /// series records them every batch, and at a million tasks the slice reaches one every ~6 s.
    void refreshTopHeapAccounts(const std::function<void(std::uint64_t)>& changed = {});
    /// The tasks with the highest peak live heap, and the heap of all tasks together.
    const TopHeapTasks& topHeap() const noexcept { return m_topHeap; }

    /// The loop has been running task `id` since before its segment record can say so (a callback
    /// that blocks): it is running now, not where it last waited. False if nothing changed.
    bool markRunningNow(std::uint64_t id);

    /// The tasks by id, await descriptions formatted, heap figures current.
    std::vector<TaskInfo> snapshot() const;

private:
    TaskInfo& taskFor(std::uint64_t id, std::int64_t tNs);
    /// Reads task `t`'s account into it; true if its figures moved.
    bool refreshHeapAccount(TaskInfo& t, const heap::Account& account);
    void setState(TaskInfo& task, TaskState state);
    void nameAfterCoroutine(TaskInfo& task);
    /// Returns a shared copy of `text`: thousands of tasks named "fetch" keep one string.
    QString intern(const QString& text);
    void setSpawnLocation(TaskInfo& t, const QString& location);
    void dropLive(const QString& location);

    const Settings& m_settings;
    std::unordered_map<std::uint64_t, TaskInfo> m_tasks;
    /// Tasks with a heap account (the interposer is linked): read, never written, here.
    std::unordered_map<std::uint64_t, const heap::Account*> m_heapAccounts;
    std::size_t m_heapRefreshCursor = 0; ///< see visitSlice()
    TopHeapTasks m_topHeap;              ///< fed wherever a task's liveBytes changes
    QSet<QString> m_strings;             ///< interned names and locations
    std::unordered_set<std::uint64_t> m_unfinished;
    QHash<QString, std::uint64_t> m_liveBySite;
    std::vector<std::uint64_t> m_pendingNames; ///< unnamed tasks waiting for the symbolizer
    std::deque<std::uint64_t> m_finishedOrder; ///< eviction order of finished tasks
    std::array<std::uint64_t, kTaskStateCount> m_byState{};
    std::uint64_t m_tasksTotal = 0;
    std::uint64_t m_segmentsTotal = 0;
    std::uint64_t m_evicted = 0;
};

/// Cut to `limit` characters (with an ellipsis) and without spare capacity: for strings retained
/// per task or per slow callback.
QString boundedText(QString text, qsizetype limit);

} // namespace coroscope
