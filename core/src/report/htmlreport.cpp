#include "report/htmlreport.h"

#include "format.h"

#include <QFileInfo>

#include <algorithm>
#include <cmath>

namespace coroscope {

namespace {

constexpr qsizetype kCellLimit = 4 * 1024;      // characters per cell or sentence part
constexpr qsizetype kSourceLimit = 1024 * 1024; // characters of script source shown
constexpr std::size_t kDiagnosticRows = 500;
constexpr std::size_t kParamRows = 100;
constexpr std::size_t kSlowCallbackRows = 200;
constexpr std::size_t kTaskRows = 100;
constexpr std::size_t kMemoryTaskRows = 20;

// Inline because the page must open from a mail attachment or a CI artifact with no network.
const char kStyle[] = R"css(
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 78em; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
pre { margin: 0; font: 12px/1.35 ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
.status { display: inline-block; padding: 0.1em 0.6em; border-radius: 0.3em; background: #e6f4ea; }
.status-failed, .status-memory-limit, .status-task-limit { background: #fce8e6; }
.status-interrupted, .status-duration-elapsed { background: #fef7e0; }
ul.verdicts { list-style: none; padding: 0; }
ul.verdicts li { margin: 0.3em 0; padding: 0.3em 0.6em; border-left: 4px solid #999; }
li.error { border-color: #d93025; background: #fdf1f0; }
li.warning { border-color: #f29900; background: #fffaf0; }
li.info { border-color: #1a73e8; }
.where, .note { color: #666; }
pre.source .ln { display: inline-block; width: 4em; margin-right: 1em; text-align: right; color: #999; user-select: none; }
)css";

// Cut before escaping so an entity is never cut in half, and never between a surrogate pair.
QString bounded(const QString& text, qsizetype limit) {
    if (text.size() <= limit)
        return text;
    qsizetype cut = limit;
    if (text.at(cut - 1).isHighSurrogate())
        --cut;
    return text.left(cut) + QStringLiteral(" … (") + QString::number(text.size() - cut) +
           QStringLiteral(" more characters)");
}

/// Escaped and bounded, for element content.
QString esc(const QString& text, qsizetype limit = kCellLimit) {
    return bounded(text, limit).toHtmlEscaped();
}
/// A double-quoted attribute value; toHtmlEscaped() escapes '"', so the value cannot end the quotes.
QString attr(const QString& text) {
    return u'"' + esc(text) + u'"';
}

QString td(const QString& escapedHtml) {
    return QStringLiteral("<td>") + escapedHtml + QStringLiteral("</td>");
}
QString num(const QString& escapedHtml) {
    return QStringLiteral("<td class=\"n\">") + escapedHtml + QStringLiteral("</td>");
}
QString th(const char* label) {
    return QStringLiteral("<th>") + QLatin1String(label) + QStringLiteral("</th>");
}
QString dash() {
    return QStringLiteral("—");
}

QString durationFromMicros(double micros) {
    return formatDuration(std::llround(micros * 1000.0));
}

QString taskLabel(std::uint64_t id, const QString& name) {
    if (id == 0)
        return dash();
    const QString shown = name.isEmpty() ? QStringLiteral("(unnamed)") : name;
    return esc(shown) + QStringLiteral(" <span class=\"where\">#") + QString::number(id) +
           QStringLiteral("</span>");
}

QString distributionHeader() {
    return th("Count") + th("Mean") + th("Min") + th("p50") + th("p90") + th("p95") + th("p99") +
           th("p99.9") + th("Max");
}

QString distributionCells(const Histogram& micros) {
    const PercentileSummary s = micros.summary();
    QString cells = num(QString::number(s.count));
    for (const double v : {s.mean, double(s.min), double(s.p50), double(s.p90), double(s.p95), double(s.p99),
                           double(s.p999), double(s.max)})
        cells += num(s.count ? durationFromMicros(v) : dash());
    return cells;
}

QString statusText(RunStatus status) {
    switch (status) {
    case RunStatus::Completed:
        return QStringLiteral("completed");
    case RunStatus::Failed:
        return QStringLiteral("failed");
    case RunStatus::DurationElapsed:
        return QStringLiteral("stopped: duration elapsed");
    case RunStatus::Interrupted:
        return QStringLiteral("interrupted");
    case RunStatus::MemoryLimit:
        return QStringLiteral("stopped: memory limit reached");
    case RunStatus::TaskLimit:
        return QStringLiteral("stopped: task limit reached");
    case RunStatus::Unfinished:
        return QStringLiteral("unfinished: the runner ended without closing the session (killed or crashed)");
    }
    return runStatusName(status);
}

QString header(const RunInfo& run, const RunSnapshot& s) {
    QString h = QStringLiteral("<h1 title=") + attr(run.script) + u'>' +
                esc(run.script.isEmpty() ? QStringLiteral("(no script)") : QFileInfo(run.script).fileName()) +
                QStringLiteral("</h1>\n<p><span class=\"status status-") + esc(runStatusName(run.status)) +
                QStringLiteral("\">") + esc(statusText(run.status)) +
                QStringLiteral("</span></p>\n<table>\n");
    const auto row = [&h](const char* label, const QString& escapedHtml) {
        h += QStringLiteral("<tr>") + th(label) + td(escapedHtml) + QStringLiteral("</tr>\n");
    };
    row("Script", esc(run.script));
    row("Duration", formatDuration(run.durationNs));
    row("Slow-callback threshold", formatDuration(run.slowThresholdNs));
    row("Seed", QString::number(run.seed));
    QString params;
    for (std::size_t i = 0; i < run.params.size() && i < kParamRows; ++i)
        params += (i ? QStringLiteral("<br>") : QString()) + esc(run.params[i].first) +
                  QStringLiteral(" = ") + esc(run.params[i].second);
    row("Parameters", run.params.empty() ? dash() : params);
    row("Tasks", QString::number(s.tasksTotal));
    row("Coroscope", esc(run.coroscopeVersion));
    return h + QStringLiteral("</table>\n");
}

QString verdicts(const RunSnapshot& s) {
    std::vector<const Diagnostic*> sorted;
    for (const Diagnostic& d : s.diagnostics)
        sorted.push_back(&d);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Diagnostic* a, const Diagnostic* b) { return a->severity > b->severity; });
    QString h = QStringLiteral("<h2>Verdicts</h2>\n");
    if (sorted.empty())
        h += QStringLiteral("<p>No diagnostic rule found a problem.</p>\n");
    else
        h += QStringLiteral("<ul class=\"verdicts\">\n");
    for (std::size_t i = 0; i < sorted.size() && i < kDiagnosticRows; ++i) {
        const Diagnostic& d = *sorted[i];
        const QString severity = QString::fromLatin1(severityName(d.severity));
        QString where;
        if (d.taskId)
            where += QStringLiteral("In task ") + taskLabel(d.taskId, d.taskName) + QStringLiteral(". ");
        if (!d.location.isEmpty())
            where += QStringLiteral("At ") + esc(d.location) + QStringLiteral(". ");
        where += QStringLiteral("Rule: ") + esc(d.rule) + u'.';
        h += QStringLiteral("<li class=\"") + severity + QStringLiteral("\"><strong>") +
             severity.left(1).toUpper() + severity.mid(1) + QStringLiteral(":</strong> ") + esc(d.message) +
             QStringLiteral(" <span class=\"where\">") + where + QStringLiteral("</span></li>\n");
    }
    if (!sorted.empty())
        h += QStringLiteral("</ul>\n");
    if (sorted.size() > kDiagnosticRows)
        h += QStringLiteral("<p class=\"note\">") + QString::number(sorted.size() - kDiagnosticRows) +
             QStringLiteral(" more findings are in the JSON report.</p>\n");
    // Lost records make every figure below a lower bound; say so where it is read first.
    const DropCounters& drops = s.drops;
    if (drops.records || drops.evictedTasks || drops.slowCallbacksOverLimit || drops.diagnosticsOverLimit)
        h += QStringLiteral("<p class=\"note\">Incomplete data: ") + QString::number(drops.records) +
             QStringLiteral(" records dropped, ") + QString::number(drops.evictedTasks) +
             QStringLiteral(" finished tasks evicted, ") + QString::number(drops.slowCallbacksOverLimit) +
             QStringLiteral(" slow callbacks and ") + QString::number(drops.diagnosticsOverLimit) +
             QStringLiteral(" findings over their limits.</p>\n");
    return h;
}

QString slowCallbacks(const RunInfo& run, const RunSnapshot& s) {
    QString h = QStringLiteral("<h2>Slow callbacks</h2>\n");
    if (s.slowCallbacks.empty())
        return h + QStringLiteral("<p>No callback blocked the loop for longer than ") +
               formatDuration(run.slowThresholdNs) + QStringLiteral(".</p>\n");
    h += QStringLiteral("<table>\n<tr>") + th("Time") + th("Duration") + th("Task") + th("Event") +
         th("Location") + th("Stack") + QStringLiteral("</tr>\n");
    for (std::size_t i = 0; i < s.slowCallbacks.size() && i < kSlowCallbackRows; ++i) {
        const SlowCallback& c = s.slowCallbacks[i];
        QString event = c.eventType.isEmpty() ? dash() : esc(c.eventType);
        if (!c.receiverClass.isEmpty())
            event += QStringLiteral(" → ") + esc(c.receiverClass);
        h += QStringLiteral("<tr>") + num(QStringLiteral("+") + formatDuration(c.startNs - run.startNs)) +
             num(formatDuration(c.durationNs) + (c.ongoing ? QStringLiteral(" (ongoing)") : QString())) +
             td(taskLabel(c.taskId, c.taskName)) + td(event) +
             td(c.location.isEmpty() ? dash() : esc(c.location)) +
             td(QStringLiteral("<pre>") + esc(c.stack) + QStringLiteral("</pre>")) +
             QStringLiteral("</tr>\n");
    }
    h += QStringLiteral("</table>\n");
    if (s.slowCallbacks.size() > kSlowCallbackRows)
        h += QStringLiteral("<p class=\"note\">") +
             QString::number(s.slowCallbacks.size() - kSlowCallbackRows) +
             QStringLiteral(" more slow callbacks are in the JSON report.</p>\n");
    return h;
}

QString latencyAndLoop(const RunSnapshot& s) {
    QString h = QStringLiteral("<h2>Latency</h2>\n");
    if (s.latency.empty()) {
        h += QStringLiteral("<p>The script recorded no latency metrics.</p>\n");
    } else {
        h +=
            QStringLiteral("<table>\n<tr>") + th("Metric") + distributionHeader() + QStringLiteral("</tr>\n");
        for (const LatencyMetric& m : s.latency)
            h += QStringLiteral("<tr>") + td(esc(m.name)) + distributionCells(m.micros) +
                 QStringLiteral("</tr>\n");
        h += QStringLiteral("</table>\n");
    }
    const double utilization = std::isfinite(s.loopUtilization) ? s.loopUtilization : 0.0;
    h += QStringLiteral("<h2>Event loop</h2>\n<p>The loop was busy ") +
         QString::number(utilization * 100.0, 'f', 1) + QStringLiteral(" % of the run.</p>\n<table>\n<tr>") +
         th("Lag") + distributionHeader() + QStringLiteral("</tr>\n<tr>") + td(QStringLiteral("timer lag")) +
         distributionCells(s.loopLagMicros) + QStringLiteral("</tr>\n</table>\n");
    return h;
}

QString tasks(const RunInfo& run, const RunSnapshot& s) {
    std::vector<const TaskInfo*> byBusy;
    for (const TaskInfo& t : s.tasks)
        byBusy.push_back(&t);
    const std::size_t shown = std::min(byBusy.size(), kTaskRows);
    std::partial_sort(byBusy.begin(), byBusy.begin() + std::ptrdiff_t(shown), byBusy.end(),
                      [](const TaskInfo* a, const TaskInfo* b) {
                          return a->busyNs != b->busyNs ? a->busyNs > b->busyNs : a->id < b->id;
                      });
    QString h = QStringLiteral("<h2>Tasks</h2>\n<p class=\"note\">") + QString::number(shown) +
                QStringLiteral(" of ") + QString::number(s.tasksTotal) +
                QStringLiteral(" tasks, by busy time.</p>\n<table>\n<tr>") + th("Task") + th("State") +
                th("Parent") + th("Created") + th("Finished") + th("Busy") + th("Idle") + th("Scheduling") +
                th("Resumes") + th("Spawned at") + th("Awaiting / error") + th("Live / allocated") +
                QStringLiteral("</tr>\n");
    for (std::size_t i = 0; i < shown; ++i) {
        const TaskInfo& t = *byBusy[i];
        const QString state =
            QString::fromLatin1(taskStateName(t.state).data(), qsizetype(taskStateName(t.state).size()));
        const QString waitOrError =
            !t.error.isEmpty() ? esc(t.error) : (t.awaiting.isEmpty() ? dash() : esc(t.awaiting));
        const QString memory = t.allocatedBytes ? formatBytes(double(t.liveBytes)) + QStringLiteral(" / ") +
                                                      formatBytes(double(t.allocatedBytes))
                                                : dash();
        h += QStringLiteral("<tr>") + td(taskLabel(t.id, t.name)) + td(state) +
             num(t.parentId ? QStringLiteral("#") + QString::number(t.parentId) : dash()) +
             num(QStringLiteral("+") + formatDuration(t.createdNs - run.startNs)) +
             num(t.finishedNs < 0 ? dash()
                                  : QStringLiteral("+") + formatDuration(t.finishedNs - run.startNs)) +
             num(formatDuration(t.busyNs)) + num(formatDuration(t.idleNs)) + num(formatDuration(t.schedNs)) +
             num(QString::number(t.resumes)) + td(esc(t.spawnLocation)) + td(waitOrError) + num(memory) +
             QStringLiteral("</tr>\n");
    }
    return h + QStringLiteral("</table>\n");
}

QString memory(const RunSnapshot& s) {
    const MemoryStats& m = s.memoryStats;
    const double growth = std::isfinite(m.rssGrowthBytesPerSecond) ? m.rssGrowthBytesPerSecond : 0.0;
    QString h = QStringLiteral("<h2>Memory</h2>\n<table>\n<tr>") + th("RSS at start") + th("Peak RSS") +
                th("RSS at end") + th("RSS growth") + QStringLiteral("</tr>\n<tr>") +
                num(formatBytes(double(m.rssStartBytes))) + num(formatBytes(double(m.rssPeakBytes))) +
                num(formatBytes(double(m.rssEndBytes))) + num(formatBytes(growth) + QStringLiteral("/s")) +
                QStringLiteral("</tr>\n</table>\n");
    std::vector<const TaskInfo*> allocating;
    for (const TaskInfo& t : s.tasks)
        if (t.allocatedBytes != 0)
            allocating.push_back(&t);
    if (allocating.empty())
        return h;
    std::stable_sort(allocating.begin(), allocating.end(),
                     [](const TaskInfo* a, const TaskInfo* b) { return a->liveBytes > b->liveBytes; });
    h += QStringLiteral("<table>\n<tr>") + th("Task") + th("Live") + th("Allocated") +
         QStringLiteral("</tr>\n");
    for (std::size_t i = 0; i < allocating.size() && i < kMemoryTaskRows; ++i)
        h += QStringLiteral("<tr>") + td(taskLabel(allocating[i]->id, allocating[i]->name)) +
             num(formatBytes(double(allocating[i]->liveBytes))) +
             num(formatBytes(double(allocating[i]->allocatedBytes))) + QStringLiteral("</tr>\n");
    return h + QStringLiteral("</table>\n");
}

QString source(const RunInfo& run) {
    QString h = QStringLiteral("<h2>Script</h2>\n");
    if (run.scriptSource.isEmpty())
        return h + QStringLiteral("<p>The script source was not recorded.</p>\n");
    const QString shown = bounded(run.scriptSource, kSourceLimit);
    h += QStringLiteral("<pre class=\"source\">");
    QStringList lines = shown.split(u'\n');
    if (lines.size() > 1 && lines.back().isEmpty())
        lines.removeLast(); // the newline ending the last line does not start another
    for (qsizetype i = 0; i < lines.size(); ++i) {
        // A line of the source may be huge; the whole-source bound already holds, so no cell bound here.
        h += QStringLiteral("<span class=\"ln\">") + QString::number(i + 1) + QStringLiteral("</span>") +
             lines[i].toHtmlEscaped() + u'\n';
    }
    return h + QStringLiteral("</pre>\n");
}

} // namespace

QByteArray toHtmlReport(const RunInfo& run, const RunSnapshot& snapshot) {
    const QString name =
        run.script.isEmpty() ? QStringLiteral("(no script)") : QFileInfo(run.script).fileName();
    QString html;
    // The CSP repeats the promise in the page itself: even a bug in escaping cannot load or run anything.
    html += QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                           "style-src 'unsafe-inline'\">\n<title>") +
            esc(name) + QStringLiteral(" — ") + esc(statusText(run.status)) +
            QStringLiteral(" — Coroscope</title>\n<style>") + QLatin1String(kStyle) +
            QStringLiteral("</style>\n</head>\n<body>\n");
    html += header(run, snapshot);
    html += verdicts(snapshot);
    html += slowCallbacks(run, snapshot);
    html += latencyAndLoop(snapshot);
    html += tasks(run, snapshot);
    html += memory(snapshot);
    html += source(run);
    html += QStringLiteral("</body>\n</html>\n");
    return html.toUtf8();
}

} // namespace coroscope
