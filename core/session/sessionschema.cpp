#include "session/sessionschema.h"

#include <QFile>

#include <sqlite3.h>

namespace coroscope::session {
namespace {

// Times are ns since the runner's clock origin (run.start_ns in meta is the workload's start);
// sizes in bytes; histograms in µs. docs/session-format.md describes every column.
constexpr const char* kSchema = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY, parent_id INTEGER, name TEXT, spawn_location TEXT, state TEXT,
    created_ns INTEGER, finished_ns INTEGER, busy_ns INTEGER, idle_ns INTEGER, sched_ns INTEGER,
    resumes INTEGER, awaiting TEXT, error TEXT, alloc_bytes INTEGER, live_bytes INTEGER,
    cancel_requested INTEGER, released INTEGER, error_retrieved INTEGER);
CREATE TABLE segments (task_id INTEGER, start_ns INTEGER, end_ns INTEGER, ready_ns INTEGER,
    exclusive_ns INTEGER);
CREATE TABLE slow_callbacks (
    seq INTEGER PRIMARY KEY, start_ns INTEGER, duration_ns INTEGER, ongoing INTEGER,
    task_id INTEGER, task TEXT, receiver_class TEXT, event_type TEXT, location TEXT, stack TEXT,
    stack_captured_ns INTEGER);
CREATE TABLE diagnostics (id INTEGER PRIMARY KEY, t_ns INTEGER, rule TEXT, severity TEXT,
    message TEXT, task_id INTEGER, task TEXT, location TEXT);
CREATE TABLE timeseries (
    t_ns INTEGER PRIMARY KEY, lag_p50_ns INTEGER, lag_p90_ns INTEGER, lag_p99_ns INTEGER,
    lag_max_ns INTEGER, utilization REAL, rss_bytes INTEGER, heap_bytes INTEGER,
    tasks_created INTEGER, tasks_scheduled INTEGER, tasks_running INTEGER, tasks_suspended INTEGER,
    tasks_completed INTEGER, tasks_failed INTEGER, tasks_cancelled INTEGER, tasks_total INTEGER,
    segments_total INTEGER);
CREATE TABLE metric_series (name TEXT, t_ns INTEGER, count INTEGER, p50_ns INTEGER,
    p90_ns INTEGER, p99_ns INTEGER, max_ns INTEGER, PRIMARY KEY (name, t_ns)) WITHOUT ROWID;
CREATE TABLE loop_seconds (second INTEGER PRIMARY KEY, t_ns INTEGER, lag_p50_ns INTEGER,
    lag_p99_ns INTEGER, lag_max_ns INTEGER, utilization REAL,
    tasks_created INTEGER, tasks_scheduled INTEGER, tasks_running INTEGER, tasks_suspended INTEGER,
    tasks_completed INTEGER, tasks_failed INTEGER, tasks_cancelled INTEGER);
CREATE TABLE histograms (kind TEXT, name TEXT, second INTEGER, count INTEGER, min INTEGER,
    max INTEGER, sum REAL, saturated INTEGER, buckets BLOB, PRIMARY KEY (kind, name, second))
    WITHOUT ROWID;
CREATE TABLE memory_samples (t_ns INTEGER PRIMARY KEY, rss_bytes INTEGER, heap_bytes INTEGER);
-- Per-task heap over time: appended in time order (rowid), task_id 0 is "other tasks". Added in
-- schema 1 without a version change: older readers ignore it, newer ones read its absence as
-- "no per-task series" (see docs/session-format.md, versions).
CREATE TABLE task_memory (t_ns INTEGER, task_id INTEGER, live_bytes INTEGER);
-- The CPU profile of the loop thread: calling-context trees (one root per task and event type,
-- frame_id 0), self samples per node, written again when they change. Added in schema 1 like
-- task_memory: absent in older files, which then have no CPU profile.
CREATE TABLE cpu_frames (id INTEGER PRIMARY KEY, function TEXT, module TEXT, file TEXT, line INTEGER);
CREATE TABLE cpu_nodes (id INTEGER PRIMARY KEY, parent_id INTEGER, frame_id INTEGER, task_id INTEGER,
    event_type TEXT, self_samples INTEGER);
-- The first CpuProfile::kMaxTimedSamples stacks with their times: the node each was charged to.
-- Absent in files recorded before it: their profile has no times.
CREATE TABLE cpu_samples (t_ns INTEGER PRIMARY KEY, node_id INTEGER, weight INTEGER) WITHOUT ROWID;
CREATE TABLE logs (id INTEGER PRIMARY KEY, t_ns INTEGER, line TEXT);
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID;
-- No secondary indexes, on purpose: an index of segments by task made every batch rewrite
-- hundreds of scattered 64 KiB pages (an 8 s run took 42 s to record), and one of tasks by parent
-- cut task rows/s by a third (bench/session). Segments are appended as they end, so readers find
-- a time window by a binary search on rowid (TaskStore::segments); children are a scan, on the
-- app's worker thread.
)sql";

} // namespace

void createSchema(Database& db) {
    // 64 KiB pages: fewer page splits and WAL frames per row; measured 1.1 M segment rows/s against
    // 0.8 M with the default 4 KiB (bench/session). Only settable before the first table exists.
    db.exec("PRAGMA page_size = 65536");
    // One commit for the id, the tables and the version, before anything else is written: until
    // it, the file is empty (a reader following a run that starts sees "not yet"), after it, a
    // whole session. Never a file with another program's id, or without a schema version.
    db.exec("BEGIN");
    db.exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str());
    db.exec(kSchema);
    db.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
    db.exec("COMMIT");
    // WAL: a reader (the GUI tailing the run) never blocks the writer; NORMAL sync: a crash of
    // the runner loses nothing committed, only a power cut can lose the last transactions.
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
}

void checkSchema(Database& db) {
    // SQLite reads an empty file as an empty database, and any other file as "not a database" or
    // "malformed": the first bytes tell what the file is before SQLite guesses.
    QFile file(db.path());
    if (file.open(QIODevice::ReadOnly)) {            // if not, SQLite's own error says why below
        constexpr char kMagic[] = "SQLite format 3"; // with its terminating NUL: 16 bytes
        const QByteArray head = file.read(sizeof kMagic);
        if (head.isEmpty() && file.size() == 0)
            throw SqliteError(SQLITE_NOTADB,
                              QStringLiteral("%1: empty file, not a Coroscope session").arg(db.path()));
        if (head != QByteArrayView(kMagic, sizeof kMagic))
            throw SqliteError(
                SQLITE_NOTADB,
                QStringLiteral("%1: not a Coroscope session (not an SQLite database)").arg(db.path()));
    }
    const std::int64_t application = db.scalar("PRAGMA application_id");
    const std::int64_t version = db.scalar("PRAGMA user_version");
    if (application != kApplicationId)
        throw SqliteError(
            SQLITE_NOTADB,
            QStringLiteral("%1: not a Coroscope session (an SQLite file of another program)").arg(db.path()));
    if (version > kSchemaVersion)
        throw SqliteError(
            SQLITE_NOTADB,
            QStringLiteral("%1: made by a newer Coroscope (session schema %2; this one reads up to %3)")
                .arg(db.path())
                .arg(version)
                .arg(kSchemaVersion));
    if (version < 1)
        throw SqliteError(SQLITE_NOTADB,
                          QStringLiteral("%1: not a Coroscope session (no schema version)").arg(db.path()));
}

} // namespace coroscope::session
