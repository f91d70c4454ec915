#include "reading/taskstore.h"

#include "reading/sessionreader.h"
#include "session/sessionschema.h"
#include "session/sqlite.h"

#include <QFileInfo>

#include <limits>
#include <unordered_map>

namespace coroscope::session {

const char* const kTaskColumns =
    "id, parent_id, name, spawn_location, state, created_ns, finished_ns, busy_ns, idle_ns, sched_ns, "
    "resumes, awaiting, error, alloc_bytes, live_bytes, cancel_requested, released, error_retrieved";

std::optional<TaskInfo> taskFromRow(const Statement& s) {
    TaskInfo t;
    t.id = std::uint64_t(s.integer(0));
    t.parentId = std::uint64_t(s.integer(1));
    t.name = s.text(2, kMaxNameChars);
    t.spawnLocation = s.text(3, kMaxTextChars);
    const QString state = s.text(4, kMaxNameChars);
    int known = -1;
    for (int i = 0; i < kTaskStateCount && known < 0; ++i)
        if (state == QLatin1String(taskStateName(TaskState(i)).data()))
            known = i;
    if (known < 0)
        return std::nullopt;
    t.state = TaskState(known);
    t.createdNs = s.integer(5);
    t.finishedNs = s.integer(6);
    t.busyNs = s.integer(7);
    t.idleNs = s.integer(8);
    t.schedNs = s.integer(9);
    t.resumes = std::uint32_t(s.integer(10));
    t.awaiting = s.text(11, kMaxTextChars);
    t.error = s.text(12, kMaxTextChars);
    t.allocatedBytes = s.integer(13);
    t.liveBytes = s.integer(14);
    t.cancelRequested = s.integer(15) != 0;
    t.released = s.integer(16) != 0;
    t.errorRetrieved = s.integer(17) != 0;
    return t;
}

namespace {

/// A row of a damaged file: the reader's error, naming the file.
TaskInfo checkedTask(const Database& db, const Statement& s) {
    auto t = taskFromRow(s);
    if (!t)
        throw SessionError(QStringLiteral("%1: damaged session: task %2 has an unknown state '%3'")
                               .arg(db.path())
                               .arg(s.integer(0))
                               .arg(s.text(4, kMaxNameChars))
                               .toStdString());
    return std::move(*t);
}

/// The SQL expression a sort key orders by. ?3 is the query's "now" (unfinished lifetimes).
const char* orderExpression(TaskColumn key) {
    switch (key) {
    case taskcolumn::Id:
        return "id";
    case taskcolumn::Name:
        return "name COLLATE NOCASE";
    case taskcolumn::State:
        return "state";
    case taskcolumn::Parent:
        return "parent_id";
    case taskcolumn::Created:
        return "created_ns";
    case taskcolumn::Lifetime:
        return "(CASE WHEN finished_ns >= 0 THEN finished_ns ELSE ?3 END) - created_ns";
    case taskcolumn::Busy:
        return "busy_ns";
    case taskcolumn::Idle:
        return "idle_ns";
    case taskcolumn::Scheduling:
        return "sched_ns";
    case taskcolumn::Resumes:
        return "resumes";
    case taskcolumn::SpawnedAt:
        return "spawn_location";
    case taskcolumn::AwaitingOrError:
        return "(CASE WHEN error IS NOT NULL AND error <> '' THEN error ELSE awaiting END)";
    case taskcolumn::LiveHeap:
        return "live_bytes";
    case taskcolumn::AllocatedHeap:
        return "alloc_bytes";
    case taskcolumn::ColumnCount:
        break;
    }
    return "id";
}

/// `text` as a LIKE pattern matching it anywhere, its wildcards taken literally.
QString likePattern(const QString& text) {
    QString escaped = text;
    escaped.replace(u'\\', QStringLiteral("\\\\"))
        .replace(u'%', QStringLiteral("\\%"))
        .replace(u'_', QStringLiteral("\\_"));
    return u'%' + escaped + u'%';
}

} // namespace

template <typename F>
auto TaskStore::guarded(F&& f) {
    try {
        // The store stays open while a view shows the session: a file that was finished when it
        // was opened (read as unchanging) and has been written since is read anew.
        if (!m_db || m_db->changedSinceOpened()) // no connection: the last reopen failed
            open();
        return f();
    } catch (const SqliteError& e) {
        throw SessionError(e.what());
    }
}

TaskStore::TaskStore(const QString& path)
    : m_path(path) {
    if (!QFileInfo::exists(path))
        throw SessionError(QStringLiteral("%1: no such file").arg(path).toStdString());
    try {
        open();
    } catch (const SqliteError& e) {
        throw SessionError(e.what());
    }
}

void TaskStore::open() {
    m_db.reset();
    auto db = std::make_unique<Database>(m_path, Database::Mode::ReadOnly);
    checkSchema(*db);
    m_db = std::move(db);
}

TaskStore::~TaskStore() = default;

std::vector<std::uint64_t> TaskStore::ids(const TaskQuery& query) {
    return guarded([&] {
        QByteArray sql = "SELECT id FROM tasks WHERE 1";
        const QString text = query.text.trimmed();
        if (!text.isEmpty())
            sql += " AND (name LIKE ?1 ESCAPE '\\' OR spawn_location LIKE ?1 ESCAPE '\\' OR awaiting LIKE ?1 "
                   "ESCAPE '\\' OR error LIKE ?1 ESCAPE '\\' OR id = ?2)";
        if (query.stateMask) {
            QByteArrayList states;
            for (int s = 0; s < kTaskStateCount; ++s)
                if (query.stateMask & (1u << s))
                    states << "'" + QByteArray(taskStateName(TaskState(s)).data()) + "'";
            sql += " AND state IN (" + states.join(',') + ")";
        }
        const bool usesNow = query.sortKey == taskcolumn::Lifetime;
        sql += QByteArray(" ORDER BY ") + orderExpression(query.sortKey) + (query.descending ? " DESC" : "") +
               ", id" + (query.descending ? " DESC" : "");
        if (query.limit)
            sql += " LIMIT " + QByteArray::number(qulonglong(query.limit));
        Statement s = m_db->prepare(sql.constData());
        if (!text.isEmpty()) {
            s.bind(1, likePattern(text));
            bool isNumber = false;
            const qlonglong id = text.toLongLong(&isNumber);
            s.bind(2, std::int64_t(isNumber ? id : -1));
        }
        if (usesNow)
            s.bind(3, query.nowNs);
        std::vector<std::uint64_t> out;
        while (s.step())
            out.push_back(std::uint64_t(s.integer(0)));
        return out;
    });
}

std::vector<TaskInfo> TaskStore::tasks(std::span<const std::uint64_t> ids) {
    return guarded([&] {
        std::vector<TaskInfo> found;
        found.reserve(ids.size());
        // Chunks of bound ids: one query per chunk, each an index lookup per id.
        constexpr std::size_t kChunk = 256;
        for (std::size_t at = 0; at < ids.size(); at += kChunk) {
            const std::size_t n = std::min(kChunk, ids.size() - at);
            QByteArray sql = QByteArray("SELECT ") + kTaskColumns + " FROM tasks WHERE id IN (";
            for (std::size_t i = 0; i < n; ++i)
                sql += i ? ",?" : "?";
            sql += ")";
            Statement s = m_db->prepare(sql.constData());
            for (std::size_t i = 0; i < n; ++i)
                s.bind(int(i + 1), std::int64_t(ids[at + i]));
            while (s.step())
                found.push_back(checkedTask(*m_db, s));
        }
        // Back into the order asked for.
        std::unordered_map<std::uint64_t, std::size_t> position;
        position.reserve(ids.size());
        for (std::size_t i = 0; i < ids.size(); ++i)
            position.emplace(ids[i], i);
        std::sort(found.begin(), found.end(),
                  [&](const TaskInfo& a, const TaskInfo& b) { return position[a.id] < position[b.id]; });
        return found;
    });
}

std::optional<TaskInfo> TaskStore::task(std::uint64_t id) {
    const std::uint64_t one[] = {id};
    auto found = tasks(one);
    return found.empty() ? std::nullopt : std::optional<TaskInfo>(std::move(found.front()));
}

std::vector<TaskInfo> TaskStore::children(std::uint64_t parentId, std::size_t limit, std::size_t* total) {
    return guarded([&] {
        const QByteArray sql =
            QByteArray("SELECT ") + kTaskColumns + " FROM tasks WHERE parent_id = ?1 ORDER BY id";
        Statement s = m_db->prepare(sql.constData());
        s.bind(1, std::int64_t(parentId));
        std::vector<TaskInfo> out;
        std::size_t count = 0;
        while (s.step()) {
            if (out.size() < limit)
                out.push_back(checkedTask(*m_db, s));
            ++count;
        }
        if (total)
            *total = count;
        return out;
    });
}

std::array<std::uint64_t, kTaskStateCount> TaskStore::countByState() {
    return guarded([&] {
        std::array<std::uint64_t, kTaskStateCount> counts{};
        Statement s = m_db->prepare("SELECT state, COUNT(*) FROM tasks GROUP BY state");
        while (s.step())
            for (int i = 0; i < kTaskStateCount; ++i)
                if (s.text(0, kMaxNameChars) == QLatin1String(taskStateName(TaskState(i)).data()))
                    counts[std::size_t(i)] = std::uint64_t(s.integer(1));
        return counts;
    });
}

std::int64_t TaskStore::firstRowEndingFrom(std::int64_t ns) {
    Statement bounds = m_db->prepare("SELECT COALESCE(MIN(rowid), 1), COALESCE(MAX(rowid), 0) FROM segments");
    bounds.step();
    std::int64_t lo = bounds.integer(0), hi = bounds.integer(1) + 1;
    Statement probe = m_db->prepare("SELECT end_ns FROM segments WHERE rowid >= ?1 ORDER BY rowid LIMIT 1");
    while (lo < hi) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        probe.bind(1, mid);
        const bool found = probe.step();
        const std::int64_t end = found ? probe.integer(0) : std::numeric_limits<std::int64_t>::max();
        probe.reset();
        if (end < ns)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

SegmentWindow TaskStore::segments(std::span<const std::uint64_t> taskIds, std::int64_t fromNs,
                                  std::int64_t toNs, std::size_t limitPerTask) {
    return guarded([&] {
        SegmentWindow out;
        if (taskIds.empty())
            return out;
        // Rows from the first segment ending in the window to the first ending after it (the one
        // that spans its end), with slack for segments of other threads ending out of order.
        constexpr std::int64_t kSlackRows = 2'000;
        const std::int64_t first = firstRowEndingFrom(fromNs) - kSlackRows;
        const std::int64_t last = toNs == std::numeric_limits<std::int64_t>::max()
                                      ? std::numeric_limits<std::int64_t>::max()
                                      : firstRowEndingFrom(toNs + 1) + kSlackRows;
        QByteArray sql =
            "SELECT task_id, ready_ns, start_ns, end_ns FROM segments WHERE rowid BETWEEN ?1 AND ?2 "
            "AND start_ns <= ?3 AND end_ns >= ?4 AND task_id IN (";
        for (std::size_t i = 0; i < taskIds.size(); ++i)
            sql += i ? ",?" : "?";
        sql += ") ORDER BY rowid";
        Statement s = m_db->prepare(sql.constData());
        s.bind(1, first).bind(2, last).bind(3, toNs).bind(4, fromNs);
        for (std::size_t i = 0; i < taskIds.size(); ++i)
            s.bind(int(i + 5), std::int64_t(taskIds[i]));
        std::unordered_map<std::uint64_t, std::vector<TaskSegment>> byTask;
        std::size_t full = 0; // tasks that reached their limit: when all have, the rest is not read
        while (s.step()) {
            std::vector<TaskSegment>& mine = byTask[std::uint64_t(s.integer(0))];
            if (mine.size() >= limitPerTask) {
                out.truncated = true;
                continue;
            }
            mine.push_back({std::uint64_t(s.integer(0)), s.integer(1), s.integer(2), s.integer(3)});
            if (mine.size() == limitPerTask && ++full == taskIds.size())
                break;
        }
        if (full == taskIds.size() && s.step())
            out.truncated = true;
        for (const std::uint64_t id : taskIds) {
            auto it = byTask.find(id);
            if (it == byTask.end())
                continue;
            std::sort(it->second.begin(), it->second.end(),
                      [](const TaskSegment& a, const TaskSegment& b) { return a.startNs < b.startNs; });
            out.segments.insert(out.segments.end(), it->second.begin(), it->second.end());
            byTask.erase(it); // an id given twice is read once
        }
        return out;
    });
}

} // namespace coroscope::session
