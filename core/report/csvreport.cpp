#include "report/csvreport.h"

#include "model/format.h"

#include <QStringList>

#include <cmath>

namespace coroscope {

namespace {

// Milliseconds with three decimals, as the JSON report rounds them, but written from integers:
// QString::number is locale-independent already, and integers keep "0.1" from printing as
// "0.10000000000000001" and a negative zero from appearing.
QString msFromMicros(double micros) {
    const auto us = std::llround(micros);
    const auto magnitude = us < 0 ? -us : us;
    QString text = (us < 0 ? QStringLiteral("-") : QString()) + QString::number(magnitude / 1000);
    if (const auto fraction = magnitude % 1000) {
        QString digits = QString::number(fraction).rightJustified(3, u'0');
        while (digits.endsWith(u'0'))
            digits.chop(1);
        text += u'.' + digits;
    }
    return text;
}
QString msFromNanos(std::int64_t ns) {
    return msFromMicros(double(ns) / 1e3);
}

QString idOrEmpty(std::uint64_t id) {
    return id ? QString::number(id) : QString();
}

/// Rows of already-escaped fields, joined as RFC 4180 wants: comma-separated, every line CRLF.
class CsvWriter {
public:
    explicit CsvWriter(const QStringList& header) {
        for (const QString& name : header)
            m_row << csvField(name);
        endRow();
    }
    CsvWriter& text(const QString& value) {
        m_row << csvText(value);
        return *this;
    }
    CsvWriter& raw(const QString& value) { // numbers and our own words: nothing to guard
        m_row << csvField(value);
        return *this;
    }
    CsvWriter& integer(std::int64_t value) { return raw(QString::number(value)); }
    void endRow() {
        m_out += m_row.join(u',') + QStringLiteral("\r\n");
        m_row.clear();
    }
    QByteArray bytes() const { return m_out.toUtf8(); }

private:
    QString m_out;
    QStringList m_row;
};

QByteArray tasksTable(const session::SessionData& data) {
    CsvWriter csv({QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("parent_id"),
                   QStringLiteral("state"), QStringLiteral("created_ms"), QStringLiteral("finished_ms"),
                   QStringLiteral("busy_ms"), QStringLiteral("idle_ms"), QStringLiteral("sched_ms"),
                   QStringLiteral("resumes"), QStringLiteral("spawn_location"), QStringLiteral("awaiting"),
                   QStringLiteral("error"), QStringLiteral("alloc_bytes"), QStringLiteral("live_bytes")});
    const std::int64_t start = data.info.startNs;
    for (const TaskInfo& t : data.snapshot.tasks) {
        csv.integer(std::int64_t(t.id)).text(t.name).raw(idOrEmpty(t.parentId)).raw(taskStateLabel(t.state));
        csv.raw(msFromNanos(t.createdNs - start))
            .raw(t.finishedNs < 0 ? QString() : msFromNanos(t.finishedNs - start));
        csv.raw(msFromNanos(t.busyNs)).raw(msFromNanos(t.idleNs)).raw(msFromNanos(t.schedNs));
        csv.integer(t.resumes).text(t.spawnLocation).text(t.awaiting).text(t.error);
        csv.integer(t.allocatedBytes).integer(t.liveBytes).endRow();
    }
    return csv.bytes();
}

QByteArray slowCallbacksTable(const session::SessionData& data) {
    CsvWriter csv({QStringLiteral("t_ms"), QStringLiteral("duration_ms"), QStringLiteral("task"),
                   QStringLiteral("task_id"), QStringLiteral("location"), QStringLiteral("event"),
                   QStringLiteral("receiver"), QStringLiteral("ongoing"), QStringLiteral("stack")});
    for (const SlowCallback& c : data.snapshot.slowCallbacks) {
        csv.raw(msFromNanos(c.startNs - data.info.startNs)).raw(msFromNanos(c.durationNs));
        csv.text(c.taskId ? c.taskName : QString()).raw(idOrEmpty(c.taskId)).text(c.location);
        csv.text(c.eventType).text(c.receiverClass);
        csv.raw(c.ongoing ? QStringLiteral("true") : QStringLiteral("false"));
        // One frame per line inside the quoted field: spreadsheets show it as a multi-line cell.
        csv.text(c.stack.split(u'\n', Qt::SkipEmptyParts).join(u'\n')).endRow();
    }
    return csv.bytes();
}

void distributionRow(CsvWriter& csv, const QString& kind, const QString& name, const Histogram& micros) {
    const PercentileSummary s = micros.summary();
    csv.raw(kind).text(name).integer(std::int64_t(s.count)).raw(msFromMicros(s.mean));
    for (const std::int64_t v : {s.min, s.p50, s.p90, s.p95, s.p99, s.p999, s.max})
        csv.raw(msFromMicros(double(v)));
    csv.endRow();
}

QByteArray latencyTable(const session::SessionData& data) {
    CsvWriter csv({QStringLiteral("kind"), QStringLiteral("name"), QStringLiteral("count"),
                   QStringLiteral("mean_ms"), QStringLiteral("min_ms"), QStringLiteral("p50_ms"),
                   QStringLiteral("p90_ms"), QStringLiteral("p95_ms"), QStringLiteral("p99_ms"),
                   QStringLiteral("p999_ms"), QStringLiteral("max_ms")});
    for (const LatencyMetric& m : data.snapshot.latency)
        distributionRow(csv, QStringLiteral("metric"), m.name, m.micros);
    // The loop lag in the same table, told apart by `kind`: a metric may be named anything.
    distributionRow(csv, QStringLiteral("loop_lag"), QStringLiteral("loop lag"), data.snapshot.loopLagMicros);
    return csv.bytes();
}

QByteArray awaitSitesTable(const session::SessionData& data) {
    CsvWriter csv({QStringLiteral("location"), QStringLiteral("awaited"), QStringLiteral("count"),
                   QStringLiteral("total_ms"), QStringLiteral("mean_ms"), QStringLiteral("min_ms"),
                   QStringLiteral("p50_ms"), QStringLiteral("p90_ms"), QStringLiteral("p95_ms"),
                   QStringLiteral("p99_ms"), QStringLiteral("p999_ms"), QStringLiteral("max_ms")});
    for (const AwaitSiteStats& site : data.snapshot.awaitSites) {
        const PercentileSummary s = site.micros.summary();
        csv.text(site.location).text(site.awaited).integer(std::int64_t(s.count));
        csv.raw(msFromMicros(site.micros.sum())).raw(msFromMicros(s.mean));
        for (const std::int64_t v : {s.min, s.p50, s.p90, s.p95, s.p99, s.p999, s.max})
            csv.raw(msFromMicros(double(v)));
        csv.endRow();
    }
    return csv.bytes();
}

QByteArray spawnSitesTable(const session::SessionData& data) {
    CsvWriter csv({QStringLiteral("location"), QStringLiteral("spawned"), QStringLiteral("completed"),
                   QStringLiteral("failed"), QStringLiteral("cancelled"), QStringLiteral("live_end"),
                   QStringLiteral("max_live")});
    for (const SpawnSite& site : data.spawnSites) {
        csv.text(site.location).integer(std::int64_t(site.spawned));
        for (const TaskState s : {TaskState::Completed, TaskState::Failed, TaskState::Cancelled})
            csv.integer(std::int64_t(site.byState[std::size_t(s)]));
        csv.integer(std::int64_t(site.liveEnd)).integer(std::int64_t(site.maxLive));
        csv.endRow();
    }
    return csv.bytes();
}

QByteArray timeSeriesTable(const session::SessionData& data) {
    QStringList header{QStringLiteral("t_ms"),       QStringLiteral("lag_p50_ms"),
                       QStringLiteral("lag_p90_ms"), QStringLiteral("lag_p99_ms"),
                       QStringLiteral("lag_max_ms"), QStringLiteral("utilization"),
                       QStringLiteral("rss_bytes"),  QStringLiteral("heap_bytes")};
    for (int s = 0; s < kTaskStateCount; ++s)
        header << QStringLiteral("tasks_") + taskStateLabel(TaskState(s));
    CsvWriter csv(header);
    // Unknown values (no probe tick in the window, no sample yet) are empty fields, not -1: a
    // spreadsheet then leaves a gap in a chart instead of plotting a dip.
    const auto nsOrEmpty = [](std::int64_t ns) { return ns < 0 ? QString() : msFromNanos(ns); };
    const auto bytesOrEmpty = [](std::int64_t b) { return b < 0 ? QString() : QString::number(b); };
    for (const session::TimePoint& p : data.timeSeries) {
        csv.raw(msFromNanos(p.tNs - data.info.startNs));
        csv.raw(nsOrEmpty(p.lagP50Ns)).raw(nsOrEmpty(p.lagP90Ns)).raw(nsOrEmpty(p.lagP99Ns));
        csv.raw(nsOrEmpty(p.lagMaxNs));
        csv.raw(p.utilization < 0 || !std::isfinite(p.utilization) ? QString()
                                                                   : QString::number(p.utilization, 'f', 4));
        csv.raw(bytesOrEmpty(p.rssBytes)).raw(bytesOrEmpty(p.heapBytes));
        for (const std::uint64_t n : p.tasksByState)
            csv.integer(std::int64_t(n));
        csv.endRow();
    }
    return csv.bytes();
}

} // namespace

QString csvTableName(CsvTable table) {
    switch (table) {
    case CsvTable::Tasks:
        return QStringLiteral("tasks");
    case CsvTable::SlowCallbacks:
        return QStringLiteral("slow_callbacks");
    case CsvTable::Latency:
        return QStringLiteral("latency");
    case CsvTable::TimeSeries:
        return QStringLiteral("timeseries");
    case CsvTable::AwaitSites:
        return QStringLiteral("await_sites");
    case CsvTable::SpawnSites:
        return QStringLiteral("spawn_sites");
    }
    return {};
}

std::optional<CsvTable> csvTableNamed(const QString& name) {
    for (const CsvTable t : {CsvTable::Tasks, CsvTable::SlowCallbacks, CsvTable::Latency,
                             CsvTable::TimeSeries, CsvTable::AwaitSites, CsvTable::SpawnSites})
        if (csvTableName(t) == name)
            return t;
    return std::nullopt;
}

QString csvTableNames() {
    return QStringLiteral("tasks, slow_callbacks, latency, timeseries, await_sites, spawn_sites");
}

QString csvField(const QString& text) {
    const bool quote =
        text.contains(u',') || text.contains(u'"') || text.contains(u'\r') || text.contains(u'\n');
    if (!quote)
        return text;
    QString doubled = text;
    doubled.replace(u'"', QStringLiteral("\"\""));
    return u'"' + doubled + u'"';
}

QString csvText(const QString& text) {
    // OWASP's list: these start a formula (or, TAB and CR, hide one) in Excel, LibreOffice and
    // Google Sheets. The quote is visible in the cell; the exact text is in the JSON report.
    static const QString formulaStarts = QStringLiteral("=+-@\t\r");
    if (!text.isEmpty() && formulaStarts.contains(text.front()))
        return csvField(u'\'' + text);
    return csvField(text);
}

QByteArray toCsvReport(const session::SessionData& data, CsvTable table) {
    switch (table) {
    case CsvTable::Tasks:
        return tasksTable(data);
    case CsvTable::SlowCallbacks:
        return slowCallbacksTable(data);
    case CsvTable::Latency:
        return latencyTable(data);
    case CsvTable::TimeSeries:
        return timeSeriesTable(data);
    case CsvTable::AwaitSites:
        return awaitSitesTable(data);
    case CsvTable::SpawnSites:
        return spawnSitesTable(data);
    }
    return {};
}

} // namespace coroscope
