#include "reading/sessionreader.h"

#include "reading/taskstore.h"
#include "session/sessionschema.h"
#include "session/sparsehistogram.h"
#include "session/sqlite.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <map>

namespace coroscope::session {
namespace {

std::optional<TaskState> taskStateFromName(const QString& name) {
    for (int s = 0; s < kTaskStateCount; ++s)
        if (name == QLatin1String(taskStateName(TaskState(s)).data()))
            return TaskState(s);
    return std::nullopt;
}

std::optional<Severity> severityFromName(const QString& name) {
    for (const Severity s : {Severity::Info, Severity::Warning, Severity::Error})
        if (name == QLatin1String(severityName(s)))
            return s;
    return std::nullopt;
}

[[noreturn]] void damaged(const Database& db, const QString& what) {
    throw SessionError(QStringLiteral("%1: damaged session: %2").arg(db.path(), what).toStdString());
}

std::map<QString, QString> readMeta(Database& db) {
    std::map<QString, QString> meta;
    Statement s = db.prepare("SELECT key, value FROM meta");
    while (s.step())
        meta[s.text(0)] = s.text(1);
    return meta;
}

void readRunInfo(Database& db, const std::map<QString, QString>& meta, SessionData& out) {
    auto value = [&](const char* key) {
        const auto it = meta.find(QString::fromLatin1(key));
        return it == meta.end() ? QString() : it->second;
    };
    RunInfo& info = out.info;
    info.script = value("script");
    info.scriptSource = value("script_source");
    info.startNs = value("start_ns").toLongLong();
    info.slowThresholdNs = value("slow_threshold_ns").toLongLong();
    info.seed = std::uint64_t(value("seed").toLongLong()); // stored as SQLite's signed 64-bit
    info.coroscopeVersion = value("coroscope_version");
    out.mainError = value("main_error");
    out.host = value("host");
    out.startedAt = value("started_at");
    const QJsonDocument params = QJsonDocument::fromJson(value("params").toUtf8());
    for (const QJsonValue pair : params.array())
        info.params.emplace_back(pair.toArray().at(0).toString(), pair.toArray().at(1).toString());
    const QString status = value("status");
    out.finished = !status.isEmpty();
    if (out.finished) {
        const auto parsed = runStatusFromName(status);
        if (!parsed)
            damaged(db, QStringLiteral("unknown run status '%1'").arg(status));
        info.status = *parsed;
        info.durationNs = value("duration_ns").toLongLong();
        info.endReason = value("end_reason");
        info.crashStack = value("crash_stack");
    } else {
        info.status = RunStatus::Unfinished;
    }
}

void readTasks(Database& db, RunSnapshot& snapshot) {
    const QByteArray sql = QByteArray("SELECT ") + kTaskColumns + " FROM tasks ORDER BY id";
    Statement s = db.prepare(sql.constData());
    while (s.step()) {
        auto t = taskFromRow(s);
        if (!t)
            damaged(db, QStringLiteral("task %1 has an unknown state '%2'").arg(s.integer(0)).arg(s.text(4)));
        ++snapshot.tasksByState[std::size_t(t->state)];
        snapshot.tasks.push_back(std::move(*t));
    }
    snapshot.tasksTotal = snapshot.tasks.size();
}

void readSlowCallbacksAndDiagnostics(Database& db, RunSnapshot& snapshot) {
    Statement slow = db.prepare(
        "SELECT seq, start_ns, duration_ns, ongoing, task_id, task, receiver_class, "
        "event_type, location, stack, stack_captured_ns FROM slow_callbacks ORDER BY start_ns, seq");
    while (slow.step()) {
        SlowCallback c;
        c.dispatchSeq = std::uint64_t(slow.integer(0));
        c.startNs = slow.integer(1);
        c.durationNs = slow.integer(2);
        c.ongoing = slow.integer(3) != 0;
        c.taskId = std::uint64_t(slow.integer(4));
        c.taskName = slow.text(5);
        c.receiverClass = slow.text(6);
        c.eventType = slow.text(7);
        c.location = slow.text(8);
        c.stack = slow.text(9);
        c.stackCapturedNs = slow.integer(10);
        snapshot.slowCallbacks.push_back(std::move(c));
    }
    Statement diag = db.prepare(
        "SELECT t_ns, rule, severity, message, task_id, task, location FROM diagnostics ORDER BY id");
    while (diag.step()) {
        Diagnostic d;
        d.tNs = diag.integer(0);
        d.rule = diag.text(1);
        const auto severity = severityFromName(diag.text(2));
        if (!severity)
            damaged(db, QStringLiteral("a diagnostic has an unknown severity '%1'").arg(diag.text(2)));
        d.severity = *severity;
        d.message = diag.text(3);
        d.taskId = std::uint64_t(diag.integer(4));
        d.taskName = diag.text(5);
        d.location = diag.text(6);
        snapshot.diagnostics.push_back(std::move(d));
    }
}

Histogram readHistogram(Database& db, Statement& s) {
    SparseHistogram sparse;
    sparse.count = std::uint64_t(s.integer(0));
    sparse.min = s.integer(1);
    sparse.max = s.integer(2);
    sparse.sum = s.real(3);
    sparse.saturated = std::uint64_t(s.integer(4));
    if (!SparseHistogram::parseBuckets(s.blob(5), sparse.buckets))
        damaged(db, QStringLiteral("a histogram's buckets are cut short"));
    return sparse.toHistogram();
}

void readHistograms(Database& db, RunSnapshot& snapshot) {
    Statement s = db.prepare("SELECT count, min, max, sum, saturated, buckets, kind, name FROM histograms "
                             "WHERE second = -1 ORDER BY kind, name");
    while (s.step()) {
        if (s.text(6) == QLatin1String("lag"))
            snapshot.loopLagMicros = readHistogram(db, s);
        else
            snapshot.latency.push_back(LatencyMetric{s.text(7), readHistogram(db, s)});
    }
}

void readLoop(Database& db, SessionData& out) {
    RunSnapshot& snapshot = out.snapshot;
    Statement seconds =
        db.prepare("SELECT t_ns, lag_p50_ns, lag_p99_ns, lag_max_ns, utilization, tasks_created, "
                   "tasks_scheduled, tasks_running, tasks_suspended, tasks_completed, tasks_failed, "
                   "tasks_cancelled FROM loop_seconds ORDER BY second");
    while (seconds.step()) {
        LoopSecond l;
        l.tNs = seconds.integer(0);
        l.lagP50Ns = seconds.integer(1);
        l.lagP99Ns = seconds.integer(2);
        l.lagMaxNs = seconds.integer(3);
        l.utilization = seconds.isNull(4) ? 0.0 : seconds.real(4);
        for (int i = 0; i < kTaskStateCount; ++i)
            l.tasksByState[std::size_t(i)] = std::uint64_t(seconds.integer(5 + i));
        snapshot.loopSeconds.push_back(l);
    }
    Statement series =
        db.prepare("SELECT t_ns, lag_p50_ns, lag_p90_ns, lag_p99_ns, lag_max_ns, utilization, rss_bytes, "
                   "heap_bytes, tasks_created, tasks_scheduled, tasks_running, tasks_suspended, "
                   "tasks_completed, tasks_failed, tasks_cancelled FROM timeseries ORDER BY t_ns");
    while (series.step()) {
        TimePoint p;
        p.tNs = series.integer(0);
        auto orMinus = [&](int column) { return series.isNull(column) ? -1 : series.integer(column); };
        p.lagP50Ns = orMinus(1);
        p.lagP90Ns = orMinus(2);
        p.lagP99Ns = orMinus(3);
        p.lagMaxNs = orMinus(4);
        p.utilization = series.isNull(5) ? -1.0 : series.real(5);
        p.rssBytes = orMinus(6);
        p.heapBytes = orMinus(7);
        for (int i = 0; i < kTaskStateCount; ++i)
            p.tasksByState[std::size_t(i)] = std::uint64_t(series.integer(8 + i));
        out.timeSeries.push_back(p);
    }
}

void readMetricSeries(Database& db, SessionData& out) {
    Statement s = db.prepare(
        "SELECT name, t_ns, count, p50_ns, p90_ns, p99_ns, max_ns FROM metric_series ORDER BY name, t_ns");
    while (s.step()) {
        const QString name = s.text(0);
        if (out.metricSeries.empty() || out.metricSeries.back().name != name)
            out.metricSeries.push_back(MetricSeries{name, {}});
        out.metricSeries.back().points.push_back({s.integer(1), std::uint64_t(s.integer(2)), s.integer(3),
                                                  s.integer(4), s.integer(5), s.integer(6)});
    }
}

void readMemory(Database& db, RunSnapshot& snapshot) {
    Statement s = db.prepare("SELECT t_ns, rss_bytes, heap_bytes FROM memory_samples ORDER BY t_ns");
    MemoryStatsFold fold;
    while (s.step()) {
        const MemorySample sample{s.integer(0), s.integer(1), s.integer(2)};
        fold.add(sample);
        snapshot.memory.push_back(sample);
    }
    snapshot.memoryStats = fold.stats();
}

void readCountersAndLogs(Database& db, SessionData& out) {
    std::map<QString, std::int64_t> counters;
    Statement s = db.prepare("SELECT name, value FROM counters");
    while (s.step())
        counters[s.text(0)] = s.integer(1);
    DropCounters& d = out.snapshot.drops;
    d.records = std::uint64_t(counters[QStringLiteral("dropped_records")]);
    d.segments = std::uint64_t(counters[QStringLiteral("dropped_segment_records")] +
                               counters[QStringLiteral("session_segments_dropped")]);
    d.evictedTasks = std::uint64_t(counters[QStringLiteral("evicted_tasks")]);
    d.slowCallbacksOverLimit = std::uint64_t(counters[QStringLiteral("slow_callbacks_over_limit")]);
    d.diagnosticsOverLimit = std::uint64_t(counters[QStringLiteral("diagnostics_over_limit")]);
    out.snapshot.segmentsTotal = std::uint64_t(counters[QStringLiteral("segments_total")]);
    const std::int64_t wall = counters[QStringLiteral("loop_wall_ns")];
    out.snapshot.loopUtilization =
        wall > 0 ? 1.0 - double(counters[QStringLiteral("loop_idle_ns")]) / double(wall) : 0.0;
    Statement logs = db.prepare("SELECT t_ns, line FROM logs ORDER BY id");
    while (logs.step())
        out.logs.push_back({logs.integer(0), logs.text(1)});
}

/// Tasks by state without reading their rows. While a run goes on, the latest 10 Hz point has
/// them (counting a million rows ten times a second would not keep up); a finished session is
/// counted exactly, as its tasks table has it.
void countTasks(Database& db, SessionData& out) {
    RunSnapshot& snapshot = out.snapshot;
    if (out.finished || out.timeSeries.empty()) {
        Statement s = db.prepare("SELECT state, COUNT(*) FROM tasks GROUP BY state");
        while (s.step()) {
            const auto state = taskStateFromName(s.text(0));
            if (!state)
                damaged(db, QStringLiteral("a task has an unknown state '%1'").arg(s.text(0)));
            snapshot.tasksByState[std::size_t(*state)] = std::uint64_t(s.integer(1));
        }
    } else {
        snapshot.tasksByState = out.timeSeries.back().tasksByState;
    }
    snapshot.tasksTotal = 0;
    for (const std::uint64_t n : snapshot.tasksByState)
        snapshot.tasksTotal += n;
}

} // namespace

SessionData readSession(const QString& path, ReadOptions options) {
    const QFileInfo file(path);
    if (!file.exists())
        throw SessionError(QStringLiteral("%1: no such file").arg(path).toStdString());
    if (!file.isFile() || !file.isReadable())
        throw SessionError(QStringLiteral("%1: not a readable file").arg(path).toStdString());
    try {
        Database db(path, Database::Mode::ReadOnly);
        checkSchema(db);
        // One read transaction: a consistent view while the runner keeps committing.
        db.exec("BEGIN");
        SessionData out;
        out.path = path;
        if (db.walLeftOut())
            out.warnings << QStringLiteral(
                                "%1: the last batches are left out: they are still in its write-ahead "
                                "log (%1-wal), and reading that needs write access to the directory")
                                .arg(path);
        const auto meta = readMeta(db);
        readRunInfo(db, meta, out);
        if (options.taskRows)
            readTasks(db, out.snapshot);
        readSlowCallbacksAndDiagnostics(db, out.snapshot);
        readHistograms(db, out.snapshot);
        readLoop(db, out);
        readMetricSeries(db, out);
        readMemory(db, out.snapshot);
        readCountersAndLogs(db, out);
        if (!options.taskRows)
            countTasks(db, out);
        db.exec("COMMIT");
        if (!out.timeSeries.empty())
            out.snapshot.nowNs = out.timeSeries.back().tNs;
        if (!out.finished && !out.timeSeries.empty())
            out.info.durationNs = out.timeSeries.back().tNs - out.info.startNs; // up to the last batch
        return out;
    } catch (const SqliteError& e) {
        // SQLite names the file and the cause ("file is not a database", "database disk image is
        // malformed"); say in our words what that means for a session.
        const QString cause = QString::fromUtf8(e.what());
        if (e.isCorruption() && !cause.contains(QLatin1String("Coroscope")))
            throw SessionError(QString(cause + QStringLiteral(" — not a Coroscope session, or a damaged one"))
                                   .toStdString());
        throw SessionError(cause.toStdString());
    }
}

void copySession(const QString& from, const QString& to) {
    if (!QFileInfo::exists(from))
        throw SessionError(QStringLiteral("%1: no such file").arg(from).toStdString());
    // VACUUM INTO writes a new file from one read transaction (WAL contents included); into a
    // temporary name beside the target, renamed over it only once complete.
    const QString partial = to + QStringLiteral(".part");
    QFile::remove(partial);
    try {
        Database db(from, Database::Mode::ReadOnly);
        checkSchema(db);
        Statement s = db.prepare("VACUUM INTO ?1");
        s.bind(1, partial);
        s.run();
    } catch (const SqliteError& e) {
        QFile::remove(partial);
        const QString cause = QString::fromUtf8(e.what());
        throw SessionError(e.isStorage() ? QStringLiteral("cannot write %1: %2").arg(to, cause).toStdString()
                                         : cause.toStdString());
    }
    QFile::remove(to);
    if (!QFile::rename(partial, to)) {
        QFile::remove(partial);
        throw SessionError(QStringLiteral("cannot write %1").arg(to).toStdString());
    }
}

SessionData sessionDataFromSnapshot(const RunInfo& info, const RunSnapshot& snapshot) {
    SessionData data;
    data.info = info;
    data.snapshot = snapshot;
    data.finished = true;
    return data;
}

} // namespace coroscope::session
