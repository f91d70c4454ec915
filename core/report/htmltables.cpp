// The HTML report's tables. Sortable by the page's one inline script (class "sortable"; numeric
// cells carry their value in data-v).
#include "model/format.h"
#include "report/cpuprofileanalysis.h"
#include "report/htmlparts_p.h"
#include "report/htmlsections_p.h"
#include "report/readablestack.h"

#include <QFileInfo>

#include <algorithm>

namespace coroscope::html {
namespace {

constexpr std::size_t kSlowCallbackRows = 200;
constexpr std::size_t kTaskRows = 100;
constexpr std::size_t kMemoryTaskRows = 20;
constexpr std::size_t kDiagnosticRows = 500;
constexpr std::size_t kCpuFunctionRows = 20;
constexpr std::size_t kCpuTaskRows = 10;
constexpr qsizetype kFunctionName = 500; // characters: a template's name can fill a screen

QString more(std::size_t total, std::size_t shown, const char* what) {
    if (total <= shown)
        return {};
    return QStringLiteral("<p class=\"note\">") + QString::number(total - shown) + u' ' +
           QLatin1String(what) + QStringLiteral(" more are in the JSON report and the session.</p>\n");
}

QString taskRow(const RunInfo& run, const TaskInfo& t) {
    const QString waitOrError = !t.error.isEmpty()
                                    ? QStringLiteral("<pre>") + esc(t.error) + QStringLiteral("</pre>")
                                    : (t.awaiting.isEmpty() ? dash() : esc(t.awaiting));
    const std::int64_t lifetime = t.finishedNs < 0 ? -1 : t.finishedNs - t.createdNs;
    return QStringLiteral("<tr>") + td(taskLabel(t.id, t.name)) + td(taskStateLabel(t.state)) +
           num(t.parentId ? QStringLiteral("#") + QString::number(t.parentId) : dash(), double(t.parentId)) +
           num(QStringLiteral("+") + formatDuration(t.createdNs - run.startNs), double(t.createdNs)) +
           (lifetime < 0 ? num(QStringLiteral("running"), 1e30) : durationCell(lifetime)) +
           durationCell(t.busyNs) + durationCell(t.idleNs) + durationCell(t.schedNs) +
           num(QString::number(t.resumes), t.resumes) + td(esc(t.spawnLocation)) + td(waitOrError) +
           num(t.allocatedBytes ? formatBytes(double(t.liveBytes)) : dash(), double(t.liveBytes)) +
           QStringLiteral("</tr>\n");
}

QString taskTable(const RunInfo& run, const RunSnapshot& s, const char* title,
                  bool (*before)(const TaskInfo*, const TaskInfo*)) {
    std::vector<const TaskInfo*> sorted;
    sorted.reserve(s.tasks.size());
    for (const TaskInfo& t : s.tasks)
        sorted.push_back(&t);
    const std::size_t shown = std::min(sorted.size(), kTaskRows);
    std::partial_sort(sorted.begin(), sorted.begin() + std::ptrdiff_t(shown), sorted.end(), before);
    QString h = QStringLiteral("<h3>") + QLatin1String(title) + QStringLiteral("</h3>\n<p class=\"note\">") +
                QString::number(shown) + QStringLiteral(" of ") + QString::number(s.tasks.size()) +
                QStringLiteral(" tasks.</p>\n<table class=\"sortable\">\n<thead><tr>") + th("Task") +
                th("State") + th("Parent") + th("Created") + th("Lifetime") + th("Busy") + th("Idle") +
                th("Scheduling") + th("Resumes") + th("Spawned at") + th("Awaiting / error") +
                th("Live heap") + QStringLiteral("</tr></thead>\n<tbody>\n");
    for (std::size_t i = 0; i < shown; ++i)
        h += taskRow(run, *sorted[i]);
    return h + QStringLiteral("</tbody></table>\n");
}

} // namespace

QString slowCallbacksTable(const RunInfo& run, const RunSnapshot& s) {
    if (s.slowCallbacks.empty())
        return QStringLiteral("<p>No callback blocked the loop for longer than ") +
               formatDuration(run.slowThresholdNs) + QStringLiteral(".</p>\n");
    const QString file = scriptFileName(run.script);
    QString h = QStringLiteral("<table class=\"sortable\">\n<thead><tr>") + th("Time") + th("Duration") +
                th("Task") + th("Event") + th("Location") + th("Stack (captured while blocked)") +
                QStringLiteral("</tr></thead>\n<tbody>\n");
    for (std::size_t i = 0; i < s.slowCallbacks.size() && i < kSlowCallbackRows; ++i) {
        const SlowCallback& c = s.slowCallbacks[i];
        QString event = c.eventType.isEmpty() ? dash() : esc(c.eventType);
        if (!c.receiverClass.isEmpty())
            event += QStringLiteral(" → ") + esc(c.receiverClass);
        const QString stack =
            c.stack.isEmpty()
                ? dash()
                : QStringLiteral("<details><summary>") + esc(firstInterestingFrame(c.stack)) +
                      QStringLiteral("</summary><pre>") + esc(c.stack) + QStringLiteral("</pre></details>");
        h += QStringLiteral("<tr>") +
             num(QStringLiteral("+") + formatDuration(c.startNs - run.startNs), double(c.startNs)) +
             num(formatDuration(c.durationNs) + (c.ongoing ? QStringLiteral(" (ongoing)") : QString()),
                 double(c.durationNs)) +
             td(taskLabel(c.taskId, c.taskName)) + td(event) + td(locationLink(c.location, file)) +
             td(stack) + QStringLiteral("</tr>\n");
    }
    return h + QStringLiteral("</tbody></table>\n") +
           more(s.slowCallbacks.size(), kSlowCallbackRows, "slow callbacks");
}

QString latencyTable(const RunSnapshot& s) {
    if (s.latency.empty())
        return QStringLiteral("<p>No latency metrics were recorded (a script's <code>measure()</code> and "
                              "<code>record()</code>, <code>coroscope::recordMetric()</code> in C++).</p>\n");
    QString h = QStringLiteral("<table class=\"sortable\">\n<thead><tr>") + th("Metric") +
                distributionHeader() + QStringLiteral("</tr></thead>\n<tbody>\n");
    for (const LatencyMetric& m : s.latency)
        h += QStringLiteral("<tr>") + td(esc(m.name)) + distributionCells(m.micros) +
             QStringLiteral("</tr>\n");
    return h + QStringLiteral("</tbody></table>\n");
}

QString loopTable(const RunSnapshot& s) {
    const double utilization = std::isfinite(s.loopUtilization) ? s.loopUtilization : 0.0;
    return QStringLiteral("<p>The loop was busy ") + QString::number(utilization * 100.0, 'f', 1) +
           QStringLiteral(
               " % of the run. Lag is how late the loop served a 10 ms probe timer.</p>\n<table>\n<tr>") +
           th("Lag") + distributionHeader() + QStringLiteral("</tr>\n<tr>") +
           td(QStringLiteral("timer lag")) + distributionCells(s.loopLagMicros) +
           QStringLiteral("</tr>\n</table>\n");
}

QString taskTables(const RunInfo& run, const RunSnapshot& s) {
    return taskTable(run, s, "Busiest tasks",
                     [](const TaskInfo* a, const TaskInfo* b) {
                         return a->busyNs != b->busyNs ? a->busyNs > b->busyNs : a->id < b->id;
                     }) +
           taskTable(run, s, "Longest-lived tasks", [](const TaskInfo* a, const TaskInfo* b) {
               // Unfinished tasks live until the end of the run: first.
               const std::int64_t la = a->finishedNs < 0 ? INT64_MAX : a->finishedNs - a->createdNs;
               const std::int64_t lb = b->finishedNs < 0 ? INT64_MAX : b->finishedNs - b->createdNs;
               return la != lb ? la > lb : a->id < b->id;
           });
}

QString memoryTables(const RunSnapshot& s) {
    const MemoryStats& m = s.memoryStats;
    const double growth = std::isfinite(m.rssGrowthBytesPerSecond) ? m.rssGrowthBytesPerSecond : 0.0;
    QString h = QStringLiteral("<table>\n<tr>") + th("RSS at start") + th("Peak RSS") + th("RSS at end") +
                th("RSS growth") + QStringLiteral("</tr>\n<tr>") + num(formatBytes(double(m.rssStartBytes))) +
                num(formatBytes(double(m.rssPeakBytes))) + num(formatBytes(double(m.rssEndBytes))) +
                num(formatBytes(growth) + QStringLiteral("/s")) + QStringLiteral("</tr>\n</table>\n");
    std::vector<const TaskInfo*> allocating;
    for (const TaskInfo& t : s.tasks)
        if (t.allocatedBytes != 0)
            allocating.push_back(&t);
    if (allocating.empty())
        return h;
    const std::size_t shown = std::min(allocating.size(), kMemoryTaskRows);
    std::partial_sort(allocating.begin(), allocating.begin() + std::ptrdiff_t(shown), allocating.end(),
                      [](const TaskInfo* a, const TaskInfo* b) {
                          return a->liveBytes != b->liveBytes ? a->liveBytes > b->liveBytes : a->id < b->id;
                      });
    h += QStringLiteral("<h3>Heap by task</h3>\n<table class=\"sortable\">\n<thead><tr>") + th("Task") +
         th("State") + th("Live") + th("Allocated") + QStringLiteral("</tr></thead>\n<tbody>\n");
    for (std::size_t i = 0; i < shown; ++i) {
        const TaskInfo& t = *allocating[i];
        h += QStringLiteral("<tr>") + td(taskLabel(t.id, t.name)) + td(taskStateLabel(t.state)) +
             num(formatBytes(double(t.liveBytes)), double(t.liveBytes)) +
             num(formatBytes(double(t.allocatedBytes)), double(t.allocatedBytes)) + QStringLiteral("</tr>\n");
    }
    return h + QStringLiteral("</tbody></table>\n");
}

QString diagnosticsTable(const RunInfo& run, const RunSnapshot& s) {
    if (s.diagnostics.empty())
        return {};
    const QString file = scriptFileName(run.script);
    QString h = QStringLiteral("<table class=\"sortable\">\n<thead><tr>") + th("Time") + th("Severity") +
                th("Rule") + th("Task") + th("Location") + th("Message") +
                QStringLiteral("</tr></thead>\n<tbody>\n");
    for (std::size_t i = 0; i < s.diagnostics.size() && i < kDiagnosticRows; ++i) {
        const Diagnostic& d = s.diagnostics[i];
        h += QStringLiteral("<tr>") +
             num(QStringLiteral("+") + formatDuration(d.tNs - run.startNs), double(d.tNs)) +
             num(QString::fromLatin1(severityName(d.severity)), double(d.severity)) + td(esc(d.rule)) +
             td(taskLabel(d.taskId, d.taskName)) + td(locationLink(d.location, file)) + td(esc(d.message)) +
             QStringLiteral("</tr>\n");
    }
    return h + QStringLiteral("</tbody></table>\n") + more(s.diagnostics.size(), kDiagnosticRows, "findings");
}

QString cpuProfileTables(const CpuProfile& profile) {
    const std::uint64_t samples = cpuSampleCount(profile);
    if (samples == 0)
        return {};
    auto counted = [&](std::uint64_t n) -> QString { // a builder would keep refs to temporaries
        return num(QString::number(n), double(n)) +
               num(QString::number(100.0 * double(n) / double(samples), 'f', 1) + QStringLiteral(" %"),
                   double(n));
    };
    const std::vector<CpuFunctionCost> costs = cpuFunctionCosts(profile);
    const std::size_t functions = std::min(costs.size(), kCpuFunctionRows);
    QString h = QStringLiteral("<h3>Top functions</h3>\n<p class=\"note\">") + QString::number(functions) +
                QStringLiteral(" of ") + QString::number(costs.size()) +
                QStringLiteral(" functions, by self samples (in the function's own code); total counts "
                               "every sample with the function anywhere on the stack, once.</p>\n"
                               "<table class=\"sortable\">\n<thead><tr>") +
                th("Function") + th("Module") + th("Source") + th("Self") + th("Self %") + th("Total") +
                th("Total %") + QStringLiteral("</tr></thead>\n<tbody>\n");
    for (std::size_t i = 0; i < functions; ++i) {
        const CpuFunctionCost& c = costs[i];
        const CpuFrame& f = profile.frames[c.frame];
        // The file's name in the cell, its whole path on hover.
        const QString source =
            f.file.isEmpty()
                ? dash()
                : QStringLiteral("<span title=") + attr(f.file) + u'>' + esc(QFileInfo(f.file).fileName()) +
                      (f.line > 0 ? u':' + QString::number(f.line) : QString()) + QStringLiteral("</span>");
        h += QStringLiteral("<tr>") + td(esc(f.function, kFunctionName)) +
             td(f.module.isEmpty() ? dash() : esc(f.module)) + td(source) + counted(c.self) +
             counted(c.total) + QStringLiteral("</tr>\n");
    }
    h += QStringLiteral("</tbody></table>\n");
    if (costs.size() > functions)
        h += QStringLiteral("<p class=\"note\">") + QString::number(costs.size() - functions) +
             QStringLiteral(" more functions are in the JSON report (the first 100) and in every stack of "
                            "the <code>.folded</code> and <code>.speedscope.json</code> exports.</p>\n");

    const std::vector<CpuTaskCost> tasks = cpuSamplesByTask(profile);
    const std::size_t shown = std::min(tasks.size(), kCpuTaskRows);
    h += QStringLiteral("<h3>Samples by task</h3>\n<table class=\"sortable\">\n<thead><tr>") + th("Task") +
         th("Samples") + th("%") + th("CPU time") + QStringLiteral("</tr></thead>\n<tbody>\n");
    for (std::size_t i = 0; i < shown; ++i) {
        const CpuTaskCost& t = tasks[i];
        const bool real = t.taskId != 0 && t.taskId != CpuProfile::kOtherTasks;
        const std::int64_t cpu = std::int64_t(t.samples) * profile.intervalNs;
        const auto named = profile.taskNames.find(t.taskId); // the label says "task #N" for no name
        const QString name = named != profile.taskNames.end() ? named->second : QString();
        h += QStringLiteral("<tr>") + td(real ? taskLabel(t.taskId, name) : esc(t.label)) +
             counted(t.samples) + durationCell(cpu) + QStringLiteral("</tr>\n");
    }
    h += QStringLiteral("</tbody></table>\n");
    if (tasks.size() > shown)
        h += QStringLiteral("<p class=\"note\">") + QString::number(tasks.size() - shown) +
             QStringLiteral(" more tasks are in the JSON report (the first 100).</p>\n");
    return h;
}

} // namespace coroscope::html
