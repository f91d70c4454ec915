#include "recording/sessionwriter.h"

#include "recording/sessiondeltaqueue.h"
#include "session/sessionschema.h"

#include <QFile>

#include <limits>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace coroscope::session {
namespace {

std::int64_t nanosSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
        .count();
}

void bindVariant(Statement& s, int index, const QVariant& value) {
    switch (value.typeId()) {
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::ULongLong:
    case QMetaType::Bool:
        s.bind(index, std::int64_t(value.toLongLong()));
        break;
    case QMetaType::Double:
        s.bind(index, value.toDouble());
        break;
    default:
        s.bind(index, value.toString());
    }
}

/// Runs `body` in one transaction; rolls back if it throws.
template <typename Body>
void inTransaction(Database& db, Body&& body) {
    db.exec("BEGIN");
    try {
        body();
        db.exec("COMMIT");
    } catch (...) {
        try {
            db.exec("ROLLBACK");
        } catch (const SqliteError&) {
            // The transaction may already be gone (SQLite rolls back itself on a full disk).
        }
        throw;
    }
}

} // namespace

SessionWriter::SessionWriter(const QString& path, SessionDeltaQueue& deltas)
    : m_path(path)
    , m_deltas(deltas)
    , m_claim(std::make_unique<SessionFileClaim>(path)) {
    m_db = std::make_unique<Database>(path, Database::Mode::Create);
    createSchema(*m_db);
}

SessionWriter::~SessionWriter() {
    if (m_thread.joinable()) {
        m_thread.request_stop();
        m_thread.join();
    }
}

void SessionWriter::setMeta(const std::map<QString, QVariant>& rows) {
    if (!m_started) {
        inTransaction(*m_db, [&] { writeMetaRows(rows); });
        return;
    }
    std::lock_guard lock(m_mutex);
    for (const auto& [key, value] : rows)
        m_pendingMeta[key] = value;
}

void SessionWriter::start(std::int64_t originNs) {
    m_originNs = originNs;
    m_started = true;
    m_thread = std::jthread([this](std::stop_token stop) {
        pthread_setname_np(pthread_self(), "coroscope-sess");
        // Below the measured loop: on a machine with few cores the writer waits for idle time
        // rather than take it from the loop (its queue is bounded; batches just get bigger).
        setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
        run(stop);
    });
}

void SessionWriter::appendLog(std::int64_t tNs, const QString& line) {
    std::lock_guard lock(m_mutex);
    if (m_pendingLogs.size() >= kMaxLogLines) {
        ++m_logsDropped;
        return;
    }
    m_pendingLogs.emplace_back(tNs, line.left(4096));
}

std::optional<QString> SessionWriter::error() const {
    std::lock_guard lock(m_mutex);
    return m_error;
}

std::optional<QString> SessionWriter::warning() const {
    std::lock_guard lock(m_mutex);
    return m_warning;
}

void SessionWriter::run(std::stop_token stop) {
    while (!stop.stop_requested())
        if (auto delta = m_deltas.pop(kBatchInterval))
            writeBatch(*delta);
}

void SessionWriter::finish(const std::map<QString, QVariant>& finalMeta) {
    if (m_thread.joinable()) {
        m_thread.request_stop();
        m_thread.join();
    }
    // Everything still queued, the profiler's last delta included (it stopped first, so the
    // shutdown diagnostics are in it).
    while (auto delta = m_deltas.pop(std::chrono::milliseconds(0)))
        writeBatch(*delta);
    // Even after a write error: how the run ended is a few rows in place on the meta page, and
    // without them the session reads as killed. Room for them is made as for a batch.
    const auto writeFinalMeta = [&] { inTransaction(*m_db, [&] { writeMetaRows(finalMeta); }); };
    try {
        try {
            writeFinalMeta();
        } catch (const SqliteError& e) {
            if (!e.isStorage())
                throw;
            checkpointForRoom();
            writeFinalMeta();
        }
        m_db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (const SqliteError& e) {
        std::lock_guard lock(m_mutex);
        if (!m_error)
            m_error = QString::fromUtf8(e.what());
    }
}

void SessionWriter::writeBatch(const SessionDelta& delta) {
    if (error())
        return; // after a write error the deltas are still taken (bounded memory), not written
    std::map<QString, QVariant> meta;
    std::vector<std::pair<std::int64_t, QString>> logs;
    {
        std::lock_guard lock(m_mutex);
        meta.swap(m_pendingMeta);
        logs.swap(m_pendingLogs);
    }
    const auto batchStart = std::chrono::steady_clock::now();
    const std::int64_t room = roomLeft();
    if (!m_segmentsOffForSpace && !delta.segments.empty() && room < kRoomKeptForTheRest)
        stopSegmentsForSpace(delta.tNs);
    // Undoing a failed try means a copy of the running histograms (~200 KiB each): only where a
    // full disk can be near.
    const bool retryable = room < kRoomForRetries;
    try {
        try {
            tryBatch(delta, meta, logs, !m_segmentsOffForSpace, retryable);
        } catch (const SqliteError& e) {
            if (!e.isStorage() || !retryable)
                throw;
            // A full disk (or a file that may not grow): the WAL holds every page a batch touched
            // since the last checkpoint, 64 KiB each; folded into the file it gives its room back.
            checkpointForRoom();
            try {
                tryBatch(delta, meta, logs, !m_segmentsOffForSpace, true);
            } catch (const SqliteError& again) {
                if (!again.isStorage() || m_segmentsOffForSpace)
                    throw;
                // Still too much: keep the run's tasks, time series and diagnostics, give up the
                // resume segments (the bulk, and the only part that grows with every switch).
                tryBatch(delta, meta, logs, false, true);
                stopSegmentsForSpace(delta.tNs);
            }
        }
        ++m_batches;
        ++m_stats.batches;
        m_stats.taskRows += delta.tasks.size();
        m_stats.segmentRows += delta.segments.size();
        m_stats.batchNs += nanosSince(batchStart);
    } catch (const SqliteError& e) {
        std::lock_guard lock(m_mutex);
        m_error = QString::fromUtf8(e.what());
    }
}

void SessionWriter::tryBatch(const SessionDelta& delta, const std::map<QString, QVariant>& meta,
                             const std::vector<std::pair<std::int64_t, QString>>& logs, bool withSegments,
                             bool undoable) {
    std::optional<RunningAggregates> before;
    if (undoable)
        before = m_agg;
    try {
        inTransaction(*m_db, [&] {
            auto start = std::chrono::steady_clock::now();
            writeTasks(delta);
            m_stats.taskNs += nanosSince(start);
            start = std::chrono::steady_clock::now();
            writeSegments(delta, withSegments);
            m_stats.segmentNs += nanosSince(start);
            writeSlowCallbacks(delta);
            writeDiagnostics(delta);
            writeTimeSeries(delta);
            writeTaskMemory(delta);
            writeCpuProfile(delta);
            writeLogs(logs);
            writeCounters(delta);
            writeMetaRows(meta);
        });
    } catch (...) {
        if (before)
            m_agg = std::move(*before);
        throw;
    }
}

void SessionWriter::stopSegmentsForSpace(std::int64_t tNs) {
    m_segmentsOffForSpace = true;
    std::lock_guard lock(m_mutex);
    m_warning = QStringLiteral("%1: the disk is nearly full: resume segments after %2 s are not recorded "
                               "(tasks, time series and diagnostics still are)")
                    .arg(m_path)
                    .arg(double(std::max<std::int64_t>(0, tNs - m_originNs)) / 1e9, 0, 'f', 1);
}

std::int64_t SessionWriter::roomLeft() {
    std::int64_t room = std::numeric_limits<std::int64_t>::max();
    struct statvfs disk {};
    if (statvfs(QFile::encodeName(m_path).constData(), &disk) == 0)
        room = std::int64_t(disk.f_bavail) * std::int64_t(disk.f_frsize);
    rlimit limit{};
    if (getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
        // The pages the file holds, those still in the WAL included (they land in it at the next
        // checkpoint).
        Statement pages = m_db->prepare("PRAGMA page_count");
        Statement pageSize = m_db->prepare("PRAGMA page_size");
        if (pages.step() && pageSize.step())
            room = std::min(room, std::int64_t(limit.rlim_cur) - pages.integer(0) * pageSize.integer(0));
    }
    return room;
}

void SessionWriter::checkpointForRoom() noexcept {
    try {
        m_db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (const SqliteError&) {
        // A reader holding an old snapshot, or no room for the file to take the pages: the retry
        // says whether it was enough.
    }
}

void SessionWriter::writeMetaRows(const std::map<QString, QVariant>& rows) {
    Statement s = m_db->prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)");
    for (const auto& [key, value] : rows) {
        s.bind(1, key);
        bindVariant(s, 2, value);
        s.run();
    }
}

void SessionWriter::writeTasks(const SessionDelta& d) {
    if (d.tasks.empty())
        return;
    Statement s = m_db->prepare(
        "INSERT OR REPLACE INTO tasks (id, parent_id, name, spawn_location, state, created_ns, finished_ns, "
        "busy_ns, idle_ns, sched_ns, resumes, awaiting, error, alloc_bytes, live_bytes, cancel_requested, "
        "released, error_retrieved) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)");
    for (const TaskInfo& t : d.tasks) {
        s.bind(1, std::int64_t(t.id)).bind(2, std::int64_t(t.parentId)).bind(3, t.name);
        s.bind(4, t.spawnLocation).bindStatic(5, taskStateName(t.state).data());
        s.bind(6, t.createdNs).bind(7, t.finishedNs).bind(8, t.busyNs).bind(9, t.idleNs).bind(10, t.schedNs);
        s.bind(11, std::int64_t(t.resumes)).bind(12, t.awaiting).bind(13, t.error);
        s.bind(14, t.allocatedBytes).bind(15, t.liveBytes).bind(16, std::int64_t(t.cancelRequested));
        s.bind(17, std::int64_t(t.released)).bind(18, std::int64_t(t.errorRetrieved));
        s.run();
    }
}

void SessionWriter::writeSegments(const SessionDelta& d, bool keep) {
    m_agg.segmentsDropped += d.segmentsOverflowed;
    if (!keep)
        m_agg.segmentsDropped += d.segments.size();
    if (d.segments.empty() || !keep)
        return;
    Statement s = m_db->prepare(
        "INSERT INTO segments (task_id, start_ns, end_ns, ready_ns, exclusive_ns) VALUES (?1,?2,?3,?4,?5)");
    for (const SegmentRow& row : d.segments) {
        if (m_agg.segmentsWritten >= m_maxSegments) {
            ++m_agg.segmentsDropped;
            continue;
        }
        s.bind(1, std::int64_t(row.taskId)).bind(2, row.startNs).bind(3, row.endNs);
        s.bind(4, row.readyNs).bind(5, row.exclusiveNs);
        s.run();
        ++m_agg.segmentsWritten;
    }
}

void SessionWriter::writeSlowCallbacks(const SessionDelta& d) {
    if (!d.retractedSlowSeqs.empty()) {
        Statement del = m_db->prepare("DELETE FROM slow_callbacks WHERE seq = ?1");
        for (const std::uint64_t seq : d.retractedSlowSeqs) {
            del.bind(1, std::int64_t(seq));
            del.run();
        }
    }
    if (d.slowCallbacks.empty())
        return;
    Statement s = m_db->prepare(
        "INSERT OR REPLACE INTO slow_callbacks (seq, start_ns, duration_ns, ongoing, task_id, task, "
        "receiver_class, event_type, location, stack, stack_captured_ns) VALUES "
        "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)");
    for (const SlowCallback& c : d.slowCallbacks) {
        s.bind(1, std::int64_t(c.dispatchSeq)).bind(2, c.startNs).bind(3, c.durationNs);
        s.bind(4, std::int64_t(c.ongoing)).bind(5, std::int64_t(c.taskId)).bind(6, c.taskName);
        s.bind(7, c.receiverClass).bind(8, c.eventType).bind(9, c.location).bind(10, c.stack);
        s.bind(11, c.stackCapturedNs);
        s.run();
    }
}

void SessionWriter::writeDiagnostics(const SessionDelta& d) {
    if (!d.withdrawnDiagnosticIds.empty()) {
        Statement del = m_db->prepare("DELETE FROM diagnostics WHERE id = ?1");
        for (const std::uint64_t id : d.withdrawnDiagnosticIds) {
            del.bind(1, std::int64_t(id));
            del.run();
        }
    }
    if (d.diagnostics.empty())
        return;
    // By the collector's id: a revised finding (a block that grew) replaces its row.
    Statement s = m_db->prepare(
        "INSERT OR REPLACE INTO diagnostics (id, t_ns, rule, severity, message, task_id, task, location) "
        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8)");
    for (const Diagnostic& x : d.diagnostics) {
        s.bind(1, std::int64_t(x.id)).bind(2, x.tNs).bind(3, x.rule);
        s.bind(4, QString::fromLatin1(severityName(x.severity))).bind(5, x.message);
        s.bind(6, std::int64_t(x.taskId)).bind(7, x.taskName).bind(8, x.location);
        s.run();
    }
}

void SessionWriter::writeLogs(const std::vector<std::pair<std::int64_t, QString>>& logs) {
    if (logs.empty())
        return;
    Statement s = m_db->prepare("INSERT INTO logs (t_ns, line) VALUES (?1, ?2)");
    for (const auto& [t, line] : logs) {
        s.bind(1, t).bind(2, line);
        s.run();
    }
}

void SessionWriter::writeCounters(const SessionDelta& d) {
    std::uint64_t logsDropped = 0;
    {
        std::lock_guard lock(m_mutex);
        logsDropped = m_logsDropped;
    }
    Statement s = m_db->prepare("INSERT OR REPLACE INTO counters (name, value) VALUES (?1, ?2)");
    const std::pair<const char*, std::uint64_t> rows[] = {
        {"dropped_records", d.drops.records},
        {"dropped_segment_records", d.drops.segments},
        {"evicted_tasks", d.drops.evictedTasks},
        {"slow_callbacks_over_limit", d.drops.slowCallbacksOverLimit},
        {"diagnostics_over_limit", d.drops.diagnosticsOverLimit},
        {"session_segments_dropped", m_agg.segmentsDropped},
        {"session_logs_dropped", logsDropped},
        {"segments_total", d.segmentsTotal},
        {"tasks_total", d.tasksTotal},
        {"loop_wall_ns", std::uint64_t(d.loopWallNs)},
        {"loop_idle_ns", std::uint64_t(d.loopIdleNs)},
        {"cpu_samples", d.cpu.samples},
        {"cpu_stacks", d.cpu.stacks},
        {"cpu_dropped_stacks", d.cpu.droppedStacks},
        {"cpu_over_budget_samples", d.cpu.overBudget},
        {"cpu_other_task_samples", d.cpu.otherTaskSamples},
        {"cpu_untimed_samples", d.cpu.untimedSamples},
    };
    for (const auto& [name, value] : rows) {
        s.bind(1, QString::fromLatin1(name)).bind(2, std::int64_t(value));
        s.run();
    }
}

} // namespace coroscope::session
