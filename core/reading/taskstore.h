#pragma once

#include "model/runmodel.h"

#include <QString>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace coroscope::session {

class Database;
class Statement;

/// The columns of a task row, in the order taskFromRow() reads them: "SELECT <these> FROM tasks".
extern const char* const kTaskColumns;
/// The task of a row selected with kTaskColumns; nullopt if its state is not one we know (a
/// damaged or newer file).
std::optional<TaskInfo> taskFromRow(const Statement& row);

/// The orders the task table offers: the report's columns.
/// The columns of a task table, in the order the Tasks panel shows them: what TaskStore sorts by
/// and what TaskTableModel's columns are. One list: a column added here is both.
namespace taskcolumn {
enum Column : int {
    Id,
    Name,
    State,
    Parent,
    Created,
    Lifetime,
    Busy,
    Idle,
    Scheduling,
    Resumes,
    SpawnedAt,
    AwaitingOrError,
    LiveHeap,
    AllocatedHeap,
    ColumnCount
};
} // namespace taskcolumn
using TaskColumn = taskcolumn::Column;

/// Which tasks, in which order. Filtering and sorting run in SQLite: a view of a million tasks
/// never loads them all.
struct TaskQuery {
    /// Matches name, spawn location, what it awaits and its error (case-insensitive), or the id.
    QString text;
    std::uint32_t stateMask = 0; ///< bit (1 << TaskState); 0: every state
    TaskColumn sortKey = taskcolumn::Id;
    bool descending = false;
    /// The lifetime of an unfinished task is measured up to here (the session's latest time).
    std::int64_t nowNs = 0;
    /// At most this many ids, the first in the order (0: all). SQLite keeps only the top rows
    /// while it scans: the Summary's top five of a million tasks never sorts them all.
    std::size_t limit = 0;

    bool operator==(const TaskQuery&) const = default;
};

/// One resume of a task: it became ready at `readyNs`, ran from `startNs` to `endNs`.
struct TaskSegment {
    std::uint64_t taskId = 0;
    std::int64_t readyNs = 0;
    std::int64_t startNs = 0;
    std::int64_t endNs = 0;
};

/// Segments of some tasks in a time window, and whether the window held more than were read.
struct SegmentWindow {
    std::vector<TaskSegment> segments; ///< by task, then start
    bool truncated = false;
};

/// Reads a session's tasks by query and by the page — what a view of a million tasks asks for.
/// One read-only connection; use it from one thread at a time. Every call sees the latest
/// commit of a runner still writing the file. Throws SessionError naming the file and cause.
class TaskStore {
public:
    explicit TaskStore(const QString& path);
    ~TaskStore();
    TaskStore(const TaskStore&) = delete;
    TaskStore& operator=(const TaskStore&) = delete;

    const QString& path() const noexcept { return m_path; }

    /// The ids of the tasks `query` selects, in its order (ties by id).
    std::vector<std::uint64_t> ids(const TaskQuery& query);
    /// The tasks with these ids, in the same order; ids not in the session are left out.
    std::vector<TaskInfo> tasks(std::span<const std::uint64_t> ids);
    std::optional<TaskInfo> task(std::uint64_t id);
    /// Tasks spawned by `parentId`, by id, at most `limit`; `total` gets how many there are.
    std::vector<TaskInfo> children(std::uint64_t parentId, std::size_t limit, std::size_t* total = nullptr);
    std::array<std::uint64_t, kTaskStateCount> countByState();
    /// Resume segments of `taskIds` overlapping [fromNs, toNs], at most `limitPerTask` each (the
    /// earliest ones; `truncated` says some were left out). Reads only the rows of the window:
    /// segments are stored as they end, so rowid follows time (one loop thread ends one segment
    /// at a time), and the window's rows are found by a binary search.
    SegmentWindow segments(std::span<const std::uint64_t> taskIds, std::int64_t fromNs, std::int64_t toNs,
                           std::size_t limitPerTask);

private:
    /// The first rowid of a segment ending at or after `ns` (past the last row if none).
    std::int64_t firstRowEndingFrom(std::int64_t ns);
    void open();
    template <typename F>
    auto guarded(F&& f);

    QString m_path;
    std::unique_ptr<Database> m_db;
};

} // namespace coroscope::session
