#include "reading/sessionreader.h"

#include "reading/sessiontables_p.h"
#include "session/sessionschema.h"
#include "session/sqlite.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <map>

namespace coroscope::session {
namespace {

void readRunInfo(const Database& db, const std::map<QString, QString>& meta, SessionData& out) {
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
    info.launchedProgram = value("launched_program");
    for (const QJsonValue argument : QJsonDocument::fromJson(value("launched_arguments").toUtf8()).array())
        info.launchedArguments << argument.toString();
    out.mainError = value("main_error");
    out.host = value("host");
    out.startedAt = value("started_at");
    const QString paramsJson = value("params");
    if (paramsJson.size() > kMaxStackChars) // cut where it was read: no JSON any more
        out.warnings << QStringLiteral(
                            "%1: the run's parameters (meta params) are longer than %2 characters: "
                            "left out")
                            .arg(db.path())
                            .arg(kMaxStackChars);
    const QJsonDocument params = QJsonDocument::fromJson(paramsJson.toUtf8());
    for (const QJsonValue pair : params.array())
        info.params.emplace_back(pair.toArray().at(0).toString(), pair.toArray().at(1).toString());
    const QString status = value("status");
    out.finished = !status.isEmpty();
    if (out.finished) {
        const auto parsed = runStatusFromName(status);
        if (!parsed)
            throw SessionError(QStringLiteral("%1: damaged session: unknown run status '%2'")
                                   .arg(db.path(), status)
                                   .toStdString());
        info.status = *parsed;
        info.durationNs = value("duration_ns").toLongLong();
        info.mainEndedNs = value("main_ended_ns").toLongLong();
        info.endReason = value("end_reason");
        info.crashStack = value("crash_stack");
    } else {
        info.status = RunStatus::Unfinished;
    }
}

void applyCounters(const std::map<QString, std::int64_t>& counters, RunSnapshot& snapshot) {
    const auto counter = [&](const char* name) {
        const auto it = counters.find(QString::fromLatin1(name));
        return it == counters.end() ? std::int64_t(0) : it->second;
    };
    DropCounters& d = snapshot.drops;
    d.records = std::uint64_t(counter("dropped_records"));
    d.segments = std::uint64_t(counter("dropped_segment_records") + counter("session_segments_dropped"));
    d.evictedTasks = std::uint64_t(counter("evicted_tasks"));
    d.slowCallbacksOverLimit = std::uint64_t(counter("slow_callbacks_over_limit"));
    d.diagnosticsOverLimit = std::uint64_t(counter("diagnostics_over_limit"));
    snapshot.segmentsTotal = std::uint64_t(counter("segments_total"));
    const std::int64_t wall = counter("loop_wall_ns");
    snapshot.loopUtilization = wall > 0 ? 1.0 - double(counter("loop_idle_ns")) / double(wall) : 0.0;
}

void applyCpuCounters(const std::map<QString, std::int64_t>& counters, const std::map<QString, QString>& meta,
                      CpuProfile& profile) {
    const auto counter = [&](const char* name) {
        const auto it = counters.find(QString::fromLatin1(name));
        return it == counters.end() ? std::uint64_t(0) : std::uint64_t(std::max<std::int64_t>(0, it->second));
    };
    const auto interval = meta.find(QStringLiteral("cpu_interval_ns"));
    profile.intervalNs = interval == meta.end() ? 0 : std::max<qlonglong>(0, interval->second.toLongLong());
    CpuProfileCounters& c = profile.counters;
    c.samples = counter("cpu_samples");
    c.stacks = counter("cpu_stacks");
    c.droppedStacks = counter("cpu_dropped_stacks");
    c.overBudget = counter("cpu_over_budget_samples");
    c.otherTaskSamples = counter("cpu_other_task_samples");
    c.untimedSamples = counter("cpu_untimed_samples");
}

/// Tasks by state without reading their rows. While a run goes on, the latest 10 Hz point has
/// them (counting a million rows ten times a second would not keep up); a finished session is
/// counted exactly, as its tasks table has it.
void countTasks(Database& db, tables::Salvage& salvage, SessionData& out) {
    RunSnapshot& snapshot = out.snapshot;
    if (out.finished || out.timeSeries.empty())
        salvage.table("tasks", [&](std::size_t& rows) { tables::taskCounts(db, snapshot, rows); });
    else
        snapshot.tasksByState = out.timeSeries.back().tasksByState;
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
        SessionData out;
        out.path = path;
        if (db.walLeftOut())
            out.warnings << QStringLiteral(
                                "%1: the last batches are left out: they are still in its write-ahead "
                                "log (%1-wal), and reading that needs write access to the directory")
                                .arg(path);
        checkSchema(db);
        // One read transaction: a consistent view while the runner keeps committing.
        db.exec("BEGIN");
        // Each table as far as it is intact: a truncated or damaged file gives what it still has.
        tables::Salvage salvage(db, out.warnings);
        RunSnapshot& snapshot = out.snapshot;
        std::map<QString, QString> meta;
        salvage.table("meta", [&](std::size_t& rows) { tables::meta(db, meta, rows); });
        readRunInfo(db, meta, out);
        if (options.taskRows)
            salvage.table("tasks", [&](std::size_t& rows) { tables::tasks(db, snapshot, rows); });
        salvage.table("slow_callbacks",
                      [&](std::size_t& rows) { tables::slowCallbacks(db, snapshot, rows); });
        salvage.table("diagnostics", [&](std::size_t& rows) { tables::diagnostics(db, snapshot, rows); });
        salvage.table("histograms", [&](std::size_t& rows) { tables::histograms(db, snapshot, rows); });
        salvage.table("loop_seconds", [&](std::size_t& rows) { tables::loopSeconds(db, snapshot, rows); });
        salvage.table("timeseries", [&](std::size_t& rows) { tables::timeSeries(db, out.timeSeries, rows); });
        salvage.table("metric_series",
                      [&](std::size_t& rows) { tables::metricSeries(db, out.metricSeries, rows); });
        salvage.table("memory_samples",
                      [&](std::size_t& rows) { tables::memorySamples(db, snapshot, rows); });
        salvage.table("task_memory",
                      [&](std::size_t& rows) { tables::taskMemory(db, out.taskMemory, rows); });
        salvage.table("cpu_nodes", [&](std::size_t& rows) { tables::cpuProfile(db, out.cpuProfile, rows); });
        MemoryStatsFold fold;
        for (const MemorySample& sample : snapshot.memory)
            fold.add(sample);
        snapshot.memoryStats = fold.stats();
        std::map<QString, std::int64_t> counters;
        salvage.table("counters", [&](std::size_t& rows) { tables::counters(db, counters, rows); });
        applyCounters(counters, snapshot);
        applyCpuCounters(counters, meta, out.cpuProfile);
        salvage.table("logs", [&](std::size_t& rows) { tables::logs(db, out.logs, rows); });
        if (!options.taskRows)
            countTasks(db, salvage, out);
        const tables::SpawnSpan span = tables::spawnSpanOf(out.info, out.finished, out.timeSeries);
        if (options.taskRows)
            out.spawnSites = spawnSitesOf(snapshot.tasks, span.startNs, span.endNs, span.mainEndedNs);
        else
            salvage.table("tasks",
                          [&](std::size_t& rows) { tables::spawnSites(db, span, out.spawnSites, rows); });
        snapshot.tasksTotal = 0;
        for (const std::uint64_t n : snapshot.tasksByState)
            snapshot.tasksTotal += n;
        salvage.checkSomethingWasRead();
        try {
            db.exec("COMMIT");
        } catch (const SqliteError&) {
            if (!salvage.damaged())
                throw;
            // Damage can end the read transaction itself: then there is nothing to commit.
        }
        if (!out.timeSeries.empty())
            snapshot.nowNs = out.timeSeries.back().tNs;
        if (!out.finished && !out.timeSeries.empty())
            // Up to the last batch; never negative (batches before the workload started, and
            // nothing after: a disk that was full from the start).
            out.info.durationNs = std::max<std::int64_t>(0, out.timeSeries.back().tNs - out.info.startNs);
        return out;
    } catch (const SqliteError& e) {
        // SQLite names the file and the cause ("file is not a database", "database disk image is
        // malformed"); say in our words what that means for a session.
        const QString cause = QString::fromUtf8(e.what());
        if (e.isCorruption() && !cause.contains(QLatin1String("Coroscope")) &&
            !cause.contains(QLatin1String("damaged session")))
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
    const std::int64_t endNs = info.startNs + info.durationNs;
    data.spawnSites =
        spawnSitesOf(snapshot.tasks, info.startNs, endNs, info.mainEndedNs > 0 ? info.mainEndedNs : endNs);
    return data;
}

} // namespace coroscope::session
