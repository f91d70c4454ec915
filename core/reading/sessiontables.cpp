#include "reading/sessiontables_p.h"
#include "reading/taskstore.h"
#include "session/sparsehistogram.h"

#include <algorithm>

namespace coroscope::session::tables {

std::optional<TaskState> taskStateFromName(const QString& name) {
    for (int s = 0; s < kTaskStateCount; ++s)
        if (name == QLatin1String(taskStateName(TaskState(s)).data()))
            return TaskState(s);
    return std::nullopt;
}

namespace {

std::optional<Severity> severityFromName(const QString& name) {
    for (const Severity s : {Severity::Info, Severity::Warning, Severity::Error})
        if (name == QLatin1String(severityName(s)))
            return s;
    return std::nullopt;
}

Histogram readHistogram(Statement& s) {
    SparseHistogram sparse;
    sparse.count = std::uint64_t(s.integer(0));
    sparse.min = s.integer(1);
    sparse.max = s.integer(2);
    sparse.sum = s.real(3);
    sparse.saturated = std::uint64_t(s.integer(4));
    if (!SparseHistogram::parseBuckets(s.blob(5), sparse.buckets))
        throw DamagedRow{QStringLiteral("a histogram's buckets are cut short")};
    return sparse.toHistogram();
}

/// How long a meta value may be: the script's source is the one text kept whole (the user's own
/// file, which the views show); stacks, errors and locations are texts; the rest names and numbers.
qsizetype metaBound(const QString& key) {
    if (key == QLatin1String("script_source"))
        return Statement::kWholeText;
    if (key == QLatin1String("crash_stack") || key == QLatin1String("params") ||
        key == QLatin1String("launched_arguments"))
        return kMaxStackChars;
    if (key == QLatin1String("script") || key == QLatin1String("script_path") ||
        key == QLatin1String("main_error") || key == QLatin1String("end_reason") ||
        key == QLatin1String("launched_program"))
        return kMaxTextChars;
    return kMaxNameChars;
}

} // namespace

void meta(Database& db, std::map<QString, QString>& out, std::size_t& rows) {
    Statement s = db.prepare("SELECT key, value FROM meta");
    for (; s.step(); ++rows) {
        const QString key = s.text(0, kMaxNameChars);
        out[key] = s.text(1, metaBound(key));
    }
}

void tasks(Database& db, RunSnapshot& snapshot, std::size_t& rows) {
    const QByteArray sql = QByteArray("SELECT ") + kTaskColumns + " FROM tasks ORDER BY id";
    Statement s = db.prepare(sql.constData());
    for (; s.step(); ++rows) {
        auto t = taskFromRow(s);
        if (!t)
            throw DamagedRow{QStringLiteral("task %1 has an unknown state '%2'")
                                 .arg(s.integer(0))
                                 .arg(s.text(4, kMaxNameChars))};
        ++snapshot.tasksByState[std::size_t(t->state)];
        snapshot.tasks.push_back(std::move(*t));
    }
}

void taskCounts(Database& db, RunSnapshot& snapshot, std::size_t& rows) {
    Statement s = db.prepare("SELECT state, COUNT(*) FROM tasks GROUP BY state");
    for (; s.step(); ++rows) {
        const auto state = taskStateFromName(s.text(0, kMaxNameChars));
        if (!state)
            throw DamagedRow{
                QStringLiteral("a task has an unknown state '%1'").arg(s.text(0, kMaxNameChars))};
        snapshot.tasksByState[std::size_t(*state)] = std::uint64_t(s.integer(1));
    }
}

void slowCallbacks(Database& db, RunSnapshot& snapshot, std::size_t& rows) {
    // By the key, sorted here: ORDER BY start_ns would sort every row before returning the first,
    // and a damaged page would lose them all. Sorted also when damage ends the table.
    const auto byStart = [&, first = std::ptrdiff_t(snapshot.slowCallbacks.size())] {
        std::stable_sort(snapshot.slowCallbacks.begin() + first, snapshot.slowCallbacks.end(),
                         [](const SlowCallback& a, const SlowCallback& b) { return a.startNs < b.startNs; });
    };
    Statement slow =
        db.prepare("SELECT seq, start_ns, duration_ns, ongoing, task_id, task, receiver_class, "
                   "event_type, location, stack, stack_captured_ns FROM slow_callbacks ORDER BY seq");
    try {
        for (; slow.step(); ++rows) {
            SlowCallback c;
            c.dispatchSeq = std::uint64_t(slow.integer(0));
            c.startNs = slow.integer(1);
            c.durationNs = slow.integer(2);
            c.ongoing = slow.integer(3) != 0;
            c.taskId = std::uint64_t(slow.integer(4));
            c.taskName = slow.text(5, kMaxNameChars);
            c.receiverClass = slow.text(6, kMaxNameChars);
            c.eventType = slow.text(7, kMaxNameChars);
            c.location = slow.text(8, kMaxTextChars);
            c.stack = slow.text(9, kMaxStackChars);
            c.stackCapturedNs = slow.integer(10);
            snapshot.slowCallbacks.push_back(std::move(c));
        }
    } catch (...) {
        byStart();
        throw;
    }
    byStart();
}

void diagnostics(Database& db, RunSnapshot& snapshot, std::size_t& rows) {
    Statement diag = db.prepare(
        "SELECT t_ns, rule, severity, message, task_id, task, location FROM diagnostics ORDER BY id");
    for (; diag.step(); ++rows) {
        Diagnostic d;
        d.tNs = diag.integer(0);
        d.rule = diag.text(1, kMaxNameChars);
        const auto severity = severityFromName(diag.text(2, kMaxNameChars));
        if (!severity)
            throw DamagedRow{
                QStringLiteral("a diagnostic has an unknown severity '%1'").arg(diag.text(2, kMaxNameChars))};
        d.severity = *severity;
        d.message = diag.text(3, kMaxTextChars);
        d.taskId = std::uint64_t(diag.integer(4));
        d.taskName = diag.text(5, kMaxNameChars);
        d.location = diag.text(6, kMaxTextChars);
        snapshot.diagnostics.push_back(std::move(d));
    }
}

void histograms(Database& db, RunSnapshot& snapshot, std::size_t& rows) {
    Statement s = db.prepare("SELECT count, min, max, sum, saturated, buckets, kind, name FROM histograms "
                             "WHERE second = -1 ORDER BY kind, name");
    for (; s.step(); ++rows) {
        const QString kind = s.text(6, kMaxNameChars);
        if (kind == QLatin1String("lag")) {
            snapshot.loopLagMicros = readHistogram(s);
        } else if (kind == QLatin1String("await")) {
            const QString key = s.text(7, kMaxTextChars);
            const qsizetype cut = key.indexOf(QChar(0x1f));
            snapshot.awaitSites.push_back(AwaitSiteStats{
                cut < 0 ? key : key.mid(cut + 1), cut < 0 ? QString() : key.left(cut), readHistogram(s)});
        } else
            snapshot.latency.push_back(LatencyMetric{s.text(7, kMaxNameChars), readHistogram(s)});
    }
    // As the collector's snapshot has them: by location, then what was awaited.
    std::stable_sort(snapshot.awaitSites.begin(), snapshot.awaitSites.end(),
                     [](const AwaitSiteStats& a, const AwaitSiteStats& b) {
                         return a.location != b.location ? a.location < b.location : a.awaited < b.awaited;
                     });
}

void loopSeconds(Database& db, RunSnapshot& snapshot, std::size_t& rows) {
    Statement seconds =
        db.prepare("SELECT t_ns, lag_p50_ns, lag_p99_ns, lag_max_ns, utilization, tasks_created, "
                   "tasks_scheduled, tasks_running, tasks_suspended, tasks_completed, tasks_failed, "
                   "tasks_cancelled FROM loop_seconds ORDER BY second");
    for (; seconds.step(); ++rows) {
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
}

void timeSeries(Database& db, std::vector<TimePoint>& out, std::size_t& rows) {
    Statement series =
        db.prepare("SELECT t_ns, lag_p50_ns, lag_p90_ns, lag_p99_ns, lag_max_ns, utilization, rss_bytes, "
                   "heap_bytes, tasks_created, tasks_scheduled, tasks_running, tasks_suspended, "
                   "tasks_completed, tasks_failed, tasks_cancelled FROM timeseries ORDER BY t_ns");
    for (; series.step(); ++rows) {
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
        out.push_back(p);
    }
}

void metricSeries(Database& db, std::vector<MetricSeries>& out, std::size_t& rows) {
    Statement s = db.prepare(
        "SELECT name, t_ns, count, p50_ns, p90_ns, p99_ns, max_ns FROM metric_series ORDER BY name, t_ns");
    for (; s.step(); ++rows) {
        const QString name = s.text(0, kMaxNameChars);
        if (out.empty() || out.back().name != name)
            out.push_back(MetricSeries{name, {}});
        out.back().points.push_back({s.integer(1), std::uint64_t(s.integer(2)), s.integer(3), s.integer(4),
                                     s.integer(5), s.integer(6)});
    }
}

void memorySamples(Database& db, RunSnapshot& snapshot, std::size_t& rows) {
    Statement s = db.prepare("SELECT t_ns, rss_bytes, heap_bytes FROM memory_samples ORDER BY t_ns");
    for (; s.step(); ++rows)
        snapshot.memory.push_back(MemorySample{s.integer(0), s.integer(1), s.integer(2)});
}

void counters(Database& db, std::map<QString, std::int64_t>& out, std::size_t& rows) {
    Statement s = db.prepare("SELECT name, value FROM counters");
    for (; s.step(); ++rows)
        out[s.text(0, kMaxNameChars)] = s.integer(1);
}

void logs(Database& db, std::vector<LogLine>& out, std::size_t& rows) {
    Statement s = db.prepare("SELECT t_ns, line FROM logs ORDER BY id");
    for (; s.step(); ++rows)
        out.push_back({s.integer(0), s.text(1, kMaxTextChars)});
}

Salvage::Salvage(Database& db, QStringList& warnings)
    : m_db(db)
    , m_warnings(warnings) {
    if (const auto& cut = db.cutShort()) {
        m_damaged = true;
        m_warnings << QStringLiteral(
                          "%1: the file is cut short (%2 of its %3 bytes): what the rest held is lost")
                          .arg(db.path())
                          .arg(cut->bytes)
                          .arg(cut->expected);
    }
}

void Salvage::lost(const char* table, std::size_t rows, const QString& why) {
    m_damaged = true;
    const QString cause = why.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(why);
    m_warnings << (rows == 0
                       ? QStringLiteral("%1: table %2 could not be read%3: its rows are lost")
                             .arg(m_db.path(), QLatin1String(table), cause)
                       : QStringLiteral("%1: table %2 is damaged after %3 rows%4: the rest of it is lost")
                             .arg(m_db.path(), QLatin1String(table))
                             .arg(rows)
                             .arg(cause));
}

void Salvage::checkSomethingWasRead() const {
    if (m_damaged && m_rows == 0)
        throw SessionError(
            QStringLiteral("%1: damaged session: none of its tables could be read%2")
                .arg(m_db.path(), m_db.cutShort()
                                      ? QStringLiteral(" (the file is cut short: %1 of its %2 bytes)")
                                            .arg(m_db.cutShort()->bytes)
                                            .arg(m_db.cutShort()->expected)
                                      : QString())
                .toStdString());
}

} // namespace coroscope::session::tables
