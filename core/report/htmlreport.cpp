#include "report/htmlreport.h"

#include "report/cpuprofileanalysis.h"
#include "report/htmlparts_p.h"
#include "report/htmlsections_p.h"
#include "report/incompletedata.h"

#include <QCryptographicHash>
#include <QFileInfo>

#include <algorithm>
#include <map>

namespace coroscope {

using namespace html;

namespace {

constexpr qsizetype kSourceLimit = 1024 * 1024; // characters of script source shown
constexpr std::size_t kVerdictRows = 500;
constexpr std::size_t kParamRows = 100;

// Inline because the page must open from a mail attachment or a CI artifact with no network.
const char kStyle[] = R"css(
:root { color-scheme: light dark; --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --head: #f6f8fa; --bg: #fff; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --head: #161b22; --bg: #0d1117; } }
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 84em; padding: 0 1em; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid var(--line); padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.3em; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid var(--line); padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: var(--head); }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[aria-sort=ascending]::after { content: " ▲"; }
table.sortable th[aria-sort=descending]::after { content: " ▼"; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
pre { margin: 0; font: 12px/1.35 ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
details summary { cursor: pointer; font: 12px ui-monospace, monospace; }
.status { display: inline-block; padding: 0.1em 0.6em; border-radius: 0.3em; background: #dafbe1; color: #1a7f37; }
.status-failed, .status-memory-limit, .status-task-limit, .status-crashed, .status-unfinished { background: #ffebe9; color: #cf222e; }
.status-interrupted, .status-duration-elapsed { background: #fff8c5; color: #9a6700; }
.facts { color: var(--muted); }
ul.verdicts { list-style: none; padding: 0; }
ul.verdicts li { margin: 0.3em 0; padding: 0.4em 0.7em; border-left: 4px solid #999; background: var(--head); }
li.error { border-color: #cf222e !important; }
li.warning { border-color: #d4a72c !important; }
li.info { border-color: #0969da !important; }
li.ok { border-color: #1a7f37 !important; }
.where, .note { color: var(--muted); }
.lost { color: var(--fg); border-left: 4px solid #d4a72c; padding: 0.2em 0.7em; background: var(--head); }
.lost ul { margin: 0.2em 0; }
.charts { display: flex; flex-wrap: wrap; gap: 0.5em 1.5em; }
figure.chart { margin: 0.5em 0; width: 540px; max-width: 100%; }
figure.chart svg { width: 100%; height: auto; font: 11px system-ui, sans-serif; }
svg .title { font-weight: 600; font-size: 12px; fill: var(--fg); }
svg .ylabel { text-anchor: end; fill: var(--muted); }
svg .xlabel { text-anchor: middle; fill: var(--muted); }
svg .legend, svg .markerlabel { fill: var(--fg); }
svg .markerlabel { text-anchor: end; }
svg .empty { text-anchor: middle; fill: var(--muted); }
svg .grid { stroke: var(--line); stroke-width: 0.5; }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .line { fill: none; stroke-width: 1.5; stroke-linejoin: round; }
svg .area { stroke: none; opacity: 0.85; }
svg .marker { stroke: #cf222e; stroke-dasharray: 4 3; }
svg .bar { fill: #0072B2; }
svg .band { fill: rgba(207, 34, 46, 0.18); }
pre.source { border: 1px solid var(--line); padding: 0.5em 0; overflow-x: auto; }
pre.source .line { display: block; padding: 0 0.5em; }
pre.source .line:target { outline: 2px solid #0969da; }
pre.source .slow { background: rgba(207, 34, 46, 0.15); }
pre.log .at { display: inline-block; min-width: 5em; color: var(--muted); user-select: none; }
pre.source .ln { display: inline-block; width: 3.5em; margin-right: 0.5em; text-align: right; color: var(--muted); user-select: none; }
pre.source .mark { display: inline-block; width: 9em; color: #cf222e; user-select: none; }
figure.flame { margin: 0.5em 0; }
figure.flame svg { width: 100%; height: auto; }
figure.flame rect { stroke: var(--bg); stroke-width: 0.5; }
figure.flame rect:hover { stroke: var(--fg); stroke-width: 1.5; }
)css";

// Sorts a table by the clicked column: numeric cells by data-v, others by text. The page's CSP
// allows exactly this script, by its hash.
const char kScript[] =
    "document.querySelectorAll('table.sortable th').forEach(function (th, _i) {\n"
    "  th.addEventListener('click', function () {\n"
    "    var table = th.closest('table'), body = table.tBodies[0], col = th.cellIndex;\n"
    "    var dir = th.getAttribute('aria-sort') === 'descending' ? 'ascending' : 'descending';\n"
    "    table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });\n"
    "    th.setAttribute('aria-sort', dir);\n"
    "    var key = function (row) { var c = row.cells[col]; if (!c) return '';\n"
    "      return c.hasAttribute('data-v') ? parseFloat(c.getAttribute('data-v')) : "
    "c.textContent.trim().toLowerCase(); };\n"
    "    var rows = Array.prototype.slice.call(body.rows);\n"
    "    rows.sort(function (a, b) { var x = key(a), y = key(b); var r = x < y ? -1 : x > y ? 1 : 0;\n"
    "      return dir === 'ascending' ? r : -r; });\n"
    "    rows.forEach(function (r) { body.appendChild(r); });\n"
    "  });\n"
    "});\n";

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
    case RunStatus::Crashed:
        return QStringLiteral("crashed: the runner's loop crashed (the session was still finished)");
    case RunStatus::Unfinished:
        return QStringLiteral("unfinished: the runner ended without closing the session (killed or crashed)");
    }
    return runStatusName(status);
}

QString header(const session::SessionData& data) {
    const RunInfo& run = data.info;
    const RunSnapshot& s = data.snapshot;
    QString h = QStringLiteral("<h1 title=") + attr(run.script) + u'>' +
                esc(run.script.isEmpty() ? QStringLiteral("(no script)") : QFileInfo(run.script).fileName()) +
                QStringLiteral("</h1>\n<p><span class=\"status status-") + esc(runStatusName(run.status)) +
                QStringLiteral("\">") + esc(statusText(run.status)) +
                QStringLiteral("</span> <span class=\"facts\">") + formatDuration(run.durationNs) +
                QStringLiteral(" · ") + QString::number(s.tasksTotal) +
                QStringLiteral(" tasks · slow-callback threshold ") + formatDuration(run.slowThresholdNs) +
                QStringLiteral(" · seed ") + QString::number(run.seed);
    for (std::size_t i = 0; i < run.params.size() && i < kParamRows; ++i)
        h += QStringLiteral(" · ") + esc(run.params[i].first) + u'=' + esc(run.params[i].second);
    if (!data.host.isEmpty())
        h += QStringLiteral(" · ") + esc(data.host);
    if (!data.startedAt.isEmpty())
        h += QStringLiteral(" · ") + esc(data.startedAt);
    h += QStringLiteral(" · Coroscope ") + esc(run.coroscopeVersion) + QStringLiteral("</span></p>\n");
    return h +
           QStringLiteral("<nav><a href=\"#verdicts\">Verdicts</a><a href=\"#loop\">Event loop</a>"
                          "<a href=\"#cpu\">Where the time goes</a>"
                          "<a href=\"#slow\">Slow callbacks</a><a href=\"#latency\">Latency</a>"
                          "<a href=\"#tasks\">Tasks</a><a href=\"#memory\">Memory</a>") +
           (data.logs.empty() ? QString() : QStringLiteral("<a href=\"#log\">Log</a>")) +
           QStringLiteral("<a href=\"#script\">Script</a></nav>\n");
}

QString verdicts(const RunInfo& run, const RunSnapshot& s, const QStringList& readWarnings) {
    std::vector<const Diagnostic*> sorted;
    for (const Diagnostic& d : s.diagnostics)
        sorted.push_back(&d);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Diagnostic* a, const Diagnostic* b) { return a->severity > b->severity; });
    const QString file = scriptFileName(run.script);
    QString h = QStringLiteral("<h2 id=\"verdicts\">Verdicts</h2>\n<ul class=\"verdicts\">\n");
    if (sorted.empty())
        h += QStringLiteral("<li class=\"ok\">No diagnostic rule found a problem: nothing blocked the loop "
                            "longer than ") +
             formatDuration(run.slowThresholdNs) +
             QStringLiteral(", no task failed unnoticed, leaked or kept growing its memory.</li>\n");
    for (std::size_t i = 0; i < sorted.size() && i < kVerdictRows; ++i) {
        const Diagnostic& d = *sorted[i];
        const QString severity = QString::fromLatin1(severityName(d.severity));
        QString where;
        if (d.taskId)
            where += QStringLiteral("Task ") + taskLabel(d.taskId, d.taskName) + QStringLiteral(". ");
        if (!d.location.isEmpty())
            where += QStringLiteral("At ") + locationLink(d.location, file) + QStringLiteral(". ");
        where += QStringLiteral("Rule: ") + esc(d.rule) + u'.';
        h += QStringLiteral("<li class=\"") + severity + QStringLiteral("\"><strong>") +
             severity.left(1).toUpper() + severity.mid(1) + QStringLiteral(":</strong> ") + esc(d.message) +
             QStringLiteral(" <span class=\"where\">") + where + QStringLiteral("</span></li>\n");
    }
    h += QStringLiteral("</ul>\n");
    if (sorted.size() > kVerdictRows)
        h += QStringLiteral("<p class=\"note\">") + QString::number(sorted.size() - kVerdictRows) +
             QStringLiteral(" more findings are in the JSON report.</p>\n");
    // What is missing makes every figure below incomplete; say so where it is read first.
    const QStringList lost = incompleteDataNotes(s, readWarnings);
    if (!lost.isEmpty()) {
        h += QStringLiteral("<div class=\"note lost\"><strong>Incomplete data:</strong><ul>\n");
        for (const QString& note : lost)
            h += QStringLiteral("<li>") + esc(note) + QStringLiteral("</li>\n");
        h += QStringLiteral("</ul></div>\n");
    }
    return h;
}

/// The CPU profile: first what was and was not sampled, so every figure after it can be weighed.
QString cpuProfile(const CpuProfile& p) {
    QString h = QStringLiteral("<h2 id=\"cpu\">Where the time goes</h2>\n");
    if (!p.recorded())
        return h + QStringLiteral("<p>The loop thread's CPU was not sampled in this run: it ran with "
                                  "<code>--sample-rate 0</code>, or the session was recorded before "
                                  "Coroscope had CPU profiles.</p>\n");
    h += QStringLiteral("<p>") + cpuProfileFacts(p).join(QStringLiteral("; ")) +
         QStringLiteral(".</p>\n<p class=\"note\">CPU time only: while the loop sleeps or blocks in a "
                        "system call it is not sampled (the slow callbacks show blocking).</p>\n");
    if (cpuSampleCount(p) == 0)
        return h + QStringLiteral("<p>No sample was taken: the loop thread used less CPU time than one "
                                  "interval.</p>\n");
    return h + cpuFlameGraph(p) + cpuProfileTables(p);
}

/// The script's log, its last lines: what the script itself says it did (api-gateway-100k's rate
/// reached, a crawler's page count). Untrusted: escaped, each line bounded.
QString logSection(const session::SessionData& data) {
    constexpr std::size_t kShown = 200;
    constexpr qsizetype kLineLimit = 500;
    if (data.logs.empty())
        return QString();
    QString h = QStringLiteral("<h2 id=\"log\">Log</h2>\n");
    const std::size_t first = data.logs.size() > kShown ? data.logs.size() - kShown : 0;
    if (first > 0)
        h += QStringLiteral("<p class=\"note\">The last %1 of %2 lines; the session holds them all.</p>\n")
                 .arg(kShown)
                 .arg(data.logs.size());
    h += QStringLiteral("<pre class=\"log\">");
    for (std::size_t i = first; i < data.logs.size(); ++i) {
        const session::LogLine& line = data.logs[i];
        h += QStringLiteral("<span class=\"at\">+") + formatDuration(line.tNs - data.info.startNs) +
             QStringLiteral("</span> ") + esc(line.line, kLineLimit) + u'\n';
    }
    return h + QStringLiteral("</pre>\n");
}

QString source(const RunInfo& run, const RunSnapshot& s) {
    QString h = QStringLiteral("<h2 id=\"script\">Script</h2>\n");
    if (run.scriptSource.isEmpty() && !run.launchedProgram.isEmpty()) {
        // Names from the command line: untrusted, escaped and bounded as every other text.
        QStringList command{run.launchedProgram};
        command << run.launchedArguments;
        return h +
               QStringLiteral(
                   "<p>No script: a program profiled with <code>coroscope launch</code>:</p>\n<pre>") +
               esc(command.join(u' ').left(4096)) + QStringLiteral("</pre>\n");
    }
    if (run.scriptSource.isEmpty())
        return h + QStringLiteral("<p>The script source was not recorded.</p>\n");
    // Slow lines: how many slow callbacks each line caused, and the worst.
    const QString file = scriptFileName(run.script);
    std::map<int, std::pair<int, std::int64_t>> slow;
    for (const SlowCallback& c : s.slowCallbacks)
        if (const int line = lineInScript(c.location, file)) {
            ++slow[line].first;
            slow[line].second = std::max(slow[line].second, c.durationNs);
        }
    if (!slow.empty())
        h += QStringLiteral("<p class=\"note\">Lines marked in red ran a slow callback.</p>\n");
    h += QStringLiteral("<pre class=\"source\">");
    QStringList lines = bounded(run.scriptSource, kSourceLimit).split(u'\n');
    if (lines.size() > 1 && lines.back().isEmpty())
        lines.removeLast(); // the newline ending the last line does not start another
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const int number = int(i + 1);
        const auto mark = slow.find(number);
        QString gutter;
        if (!slow.empty())
            gutter = QStringLiteral("<span class=\"mark\">") +
                     (mark == slow.end() ? QString()
                                         : QStringLiteral("%1× max %2")
                                               .arg(mark->second.first)
                                               .arg(formatDuration(mark->second.second))) +
                     QStringLiteral("</span>");
        // A line of the source may be huge; the whole-source bound already holds.
        h += QStringLiteral("<span class=\"line") +
             (mark == slow.end() ? QString() : QStringLiteral(" slow")) + QStringLiteral("\" id=\"L") +
             QString::number(number) + QStringLiteral("\"><span class=\"ln\">") + QString::number(number) +
             QStringLiteral("</span>") + gutter + lines[i].toHtmlEscaped() + QStringLiteral("</span>");
    }
    return h + QStringLiteral("</pre>\n");
}

} // namespace

QByteArray toHtmlReport(const session::SessionData& data) {
    const RunInfo& run = data.info;
    const RunSnapshot& s = data.snapshot;
    const QString name =
        run.script.isEmpty() ? QStringLiteral("(no script)") : QFileInfo(run.script).fileName();
    const QByteArray scriptHash =
        QCryptographicHash::hash(QByteArray(kScript), QCryptographicHash::Sha256).toBase64();
    QString html;
    // The CSP repeats the promise in the page itself: even a bug in escaping cannot load anything or
    // run any script but the sorter (allowed by its hash).
    html += QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                           "<meta name=\"viewport\" content=\"width=device-width\">\n"
                           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                           "style-src 'unsafe-inline'; img-src data:; script-src 'sha256-") +
            QString::fromLatin1(scriptHash) + QStringLiteral("'\">\n<title>") + esc(name) +
            QStringLiteral(" — ") + esc(statusText(run.status)) +
            QStringLiteral(" — Coroscope</title>\n<style>") + QLatin1String(kStyle) +
            QStringLiteral("</style>\n</head>\n<body>\n");
    html += header(data);
    html += verdicts(run, s, data.warnings);
    html += QStringLiteral("<h2 id=\"loop\">Event loop</h2>\n") + loopCharts(data) + loopTable(s);
    html += cpuProfile(data.cpuProfile);
    html += QStringLiteral("<h2 id=\"slow\">Slow callbacks</h2>\n") + slowCallbacksTable(run, s);
    html += QStringLiteral("<h2 id=\"latency\">Latency</h2>\n") + latencyTable(s) + latencyCharts(data);
    html += QStringLiteral("<h2 id=\"tasks\">Tasks</h2>\n") + taskCharts(data) + taskTables(run, s) +
            awaitSitesTable(run, s) + spawnSitesTable(run, data.spawnSites);
    html += QStringLiteral("<h2 id=\"memory\">Memory</h2>\n") + memoryCharts(data) + memoryTables(s);
    if (!s.diagnostics.empty())
        html += QStringLiteral("<h2 id=\"diagnostics\">Diagnostics</h2>\n") + diagnosticsTable(run, s);
    html += logSection(data);
    html += source(run, s);
    html +=
        QStringLiteral("<script>") + QLatin1String(kScript) + QStringLiteral("</script>\n</body>\n</html>\n");
    return html.toUtf8();
}

QByteArray toHtmlReport(const RunInfo& run, const RunSnapshot& snapshot) {
    return toHtmlReport(session::sessionDataFromSnapshot(run, snapshot));
}

} // namespace coroscope
