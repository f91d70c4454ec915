#include "report/markdownreport.h"

#include "model/format.h"
#include "report/cpuprofileanalysis.h"
#include "report/incompletedata.h"
#include "report/markdownsites_p.h"

#include <QFileInfo>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <map>

namespace coroscope {

namespace markdown {
namespace {

// Cut before escaping, so an escape is never cut in half, and never inside a surrogate pair.
QString bounded(const QString& raw, qsizetype limit) {
    if (raw.size() <= limit)
        return raw;
    qsizetype cut = limit;
    if (cut > 0 && raw.at(cut - 1).isHighSurrogate())
        --cut;
    return raw.left(cut) + QStringLiteral("…");
}

// A line break would end a table row or start a block (a heading, a list) inside a paragraph.
QString flattened(QString text, bool keepTabs = false) {
    for (QChar& c : text)
        if (c.category() == QChar::Other_Control && !(keepTabs && c == u'\t'))
            c = u' ';
    text.replace(QChar(QChar::LineSeparator), u' ').replace(QChar(QChar::ParagraphSeparator), u' ');
    return text;
}

qsizetype longestBacktickRun(const QString& text) {
    qsizetype longest = 0, run = 0;
    for (const QChar c : text) {
        run = c == u'`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return longest;
}

} // namespace

QString text(const QString& raw, qsizetype limit) {
    const QString in = flattened(bounded(raw, limit));
    QString out;
    out.reserve(in.size() + in.size() / 8);
    for (const QChar c : in) {
        switch (c.unicode()) {
        case u'&':
            out += QStringLiteral("&amp;");
            break;
        case u'<':
            out += QStringLiteral("&lt;");
            break;
        case u'>':
            out += QStringLiteral("&gt;");
            break;
        case u'\\':
        case u'`':
        case u'*':
        case u'_':
        case u'[':
        case u']':
        case u'|':
        case u'~':
            out += u'\\';
            out += c;
            break;
        default:
            out += c;
        }
    }
    return out;
}

QString code(const QString& raw, qsizetype limit, bool inTable) {
    QString in = flattened(bounded(raw, limit));
    if (in.isEmpty())
        return QStringLiteral("—");
    // In a GFM table a `|` splits the row even inside a code span, unless escaped; elsewhere the
    // backslash would show.
    if (inTable)
        in.replace(u'|', QStringLiteral("\\|"));
    const QString fence(longestBacktickRun(in) + 1, u'`');
    // A span starting or ending with a backtick needs a space to keep it off the fence; renderers
    // strip one space at each end when both ends have one.
    const bool pad = in.startsWith(u'`') || in.endsWith(u'`') || (in.startsWith(u' ') && in.endsWith(u' '));
    const QString space = pad ? QStringLiteral(" ") : QString();
    return fence + space + in + space + fence;
}

QString codeBlock(const QStringList& lines, qsizetype lineLimit) {
    QStringList shown;
    qsizetype longest = 0;
    for (const QString& line : lines) {
        shown << flattened(bounded(line, lineLimit), true);
        longest = std::max(longest, longestBacktickRun(shown.back()));
    }
    const QString fence(std::max<qsizetype>(3, longest + 1), u'`');
    return fence + u'\n' + shown.join(u'\n') + u'\n' + fence + u'\n';
}

} // namespace markdown

namespace {

constexpr std::size_t kWorstSlowCallbacks = 10;
constexpr qsizetype kStackFrames = 6;
constexpr std::size_t kFailedTasksNamed = 5;
constexpr std::size_t kDiagnosticRules = 10;
constexpr std::size_t kLatencyRows = 50;
constexpr std::size_t kCpuFunctionRows = 10;
constexpr std::size_t kCpuTaskRows = 10;

using markdown::code;
using markdown::text;

QString taskRef(std::uint64_t id, const QString& name) {
    return code(name.isEmpty() ? QStringLiteral("(unnamed)") : name) + QStringLiteral(" #") +
           QString::number(id);
}

QString plural(std::uint64_t n, const char* one, const char* many) {
    return QString::number(n) + u' ' + QLatin1String(n == 1 ? one : many);
}

QString headline(const session::SessionData& data) {
    const RunInfo& run = data.info;
    const QString name =
        run.script.isEmpty() ? QStringLiteral("(no script)") : QFileInfo(run.script).fileName();
    QString h = QStringLiteral("## Coroscope: ") + code(name) + QStringLiteral(" — ") +
                runStatusName(run.status) + QStringLiteral(" after ") + formatDuration(run.durationNs) +
                QStringLiteral("\n\n");
    QStringList facts{QStringLiteral("Script ") + code(run.script),
                      QStringLiteral("slow-callback threshold ") + formatDuration(run.slowThresholdNs),
                      QStringLiteral("seed ") + QString::number(run.seed),
                      plural(data.snapshot.tasksTotal, "task", "tasks")};
    if (!run.params.empty()) {
        QStringList params;
        for (std::size_t i = 0; i < run.params.size() && i < 10; ++i)
            params << code(run.params[i].first + u'=' + run.params[i].second, 80);
        facts << QStringLiteral("params ") + params.join(QStringLiteral(", ")) +
                     (run.params.size() > 10 ? QStringLiteral(", …") : QString());
    }
    if (!run.coroscopeVersion.isEmpty())
        facts << QStringLiteral("Coroscope ") + text(run.coroscopeVersion, 40);
    return h + facts.join(QStringLiteral(" · ")) + QStringLiteral("\n");
}

std::vector<const SlowCallback*> worstSlowCallbacks(const RunSnapshot& s) {
    std::vector<const SlowCallback*> worst;
    for (const SlowCallback& c : s.slowCallbacks)
        worst.push_back(&c);
    // Ties by start time, so two reports of one session are identical.
    std::stable_sort(worst.begin(), worst.end(), [](const SlowCallback* a, const SlowCallback* b) {
        return a->durationNs != b->durationNs ? a->durationNs > b->durationNs : a->startNs < b->startNs;
    });
    return worst;
}

QString slowCallbackWhere(const SlowCallback& c) {
    QString where;
    if (c.taskId)
        where += QStringLiteral(" in task ") + taskRef(c.taskId, c.taskName);
    if (!c.location.isEmpty())
        where += QStringLiteral(" at ") + code(c.location);
    return where;
}

QString verdicts(const session::SessionData& data) {
    const RunSnapshot& s = data.snapshot;
    QStringList lines;
    if (!data.finished && !data.path.isEmpty())
        lines << QStringLiteral("- ⚠️ **Unfinished session:** the runner was killed, crashed or is still "
                                "running; this covers what was recorded.");
    if (!data.mainError.isEmpty())
        lines << QStringLiteral("- ❌ **main failed:** ") + code(data.mainError, 300);

    const auto worst = worstSlowCallbacks(s);
    if (worst.empty())
        lines << QStringLiteral("- ✅ No slow callbacks (none over ") +
                     formatDuration(data.info.slowThresholdNs) + QStringLiteral(").");
    else
        lines << QStringLiteral("- ❌ **") + plural(worst.size(), "slow callback", "slow callbacks") +
                     QStringLiteral("** over ") + formatDuration(data.info.slowThresholdNs) +
                     QStringLiteral("; the worst: ") + formatDuration(worst.front()->durationNs) +
                     (worst.front()->ongoing ? QStringLiteral(" (still running)") : QString()) +
                     slowCallbackWhere(*worst.front()) + u'.';

    const std::uint64_t failed = s.tasksByState[std::size_t(TaskState::Failed)];
    if (failed == 0) {
        lines << QStringLiteral("- ✅ No failed tasks.");
    } else {
        QStringList named;
        for (const TaskInfo& t : s.tasks)
            if (t.state == TaskState::Failed && std::size_t(named.size()) < kFailedTasksNamed)
                named << taskRef(t.id, t.name) + (t.error.isEmpty() ? QString() : u' ' + code(t.error, 120));
        lines << QStringLiteral("- ❌ **") + plural(failed, "failed task", "failed tasks") +
                     QStringLiteral("**") +
                     (named.isEmpty() ? QString() : QStringLiteral(": ") + named.join(QStringLiteral("; "))) +
                     (failed > std::uint64_t(named.size()) && !named.isEmpty() ? QStringLiteral("; …")
                                                                               : QString()) +
                     u'.';
    }

    const MemoryStats& m = s.memoryStats;
    QStringList growing;
    for (const Diagnostic& d : s.diagnostics)
        if (d.rule == QLatin1String("memory-growth") && d.taskId && growing.size() < 5)
            growing << taskRef(d.taskId, d.taskName);
    // As in the text summary: a rate over less than a second is mostly start-up.
    const bool rateKnown = m.growthSpanNs >= 1'000'000'000 && std::isfinite(m.rssGrowthBytesPerSecond);
    const QString memory = QStringLiteral("RSS ") + formatBytes(double(m.rssEndBytes)) +
                           QStringLiteral(" at the end, peak ") + formatBytes(double(m.rssPeakBytes)) +
                           (rateKnown ? QStringLiteral(", growing ") +
                                            formatBytes(m.rssGrowthBytesPerSecond) + QStringLiteral("/s")
                                      : QString());
    if (growing.isEmpty())
        lines << QStringLiteral("- ✅ Memory: ") + memory + QStringLiteral("; no task kept growing.");
    else
        lines << QStringLiteral("- ⚠️ **Memory growth** in ") + growing.join(QStringLiteral(", ")) +
                     QStringLiteral("; ") + memory + u'.';

    // One line per rule, most severe first: a run with 500 slow callbacks has 500 findings of one
    // kind, and the comment should still show the other kinds.
    struct Rule {
        std::size_t count = 0;
        const Diagnostic* first = nullptr;
    };
    std::map<QString, Rule> rules;
    for (const Diagnostic& d : s.diagnostics) {
        Rule& r = rules[d.rule];
        if (!r.first || d.severity > r.first->severity)
            r.first = &d;
        ++r.count;
    }
    if (rules.empty()) {
        lines << QStringLiteral("- ✅ No diagnostics.");
    } else {
        std::vector<std::pair<QString, Rule>> sorted(rules.begin(), rules.end());
        std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
            return a.second.first->severity > b.second.first->severity;
        });
        const bool error = sorted.front().second.first->severity == Severity::Error;
        lines << (error ? QStringLiteral("- ❌") : QStringLiteral("- ⚠️")) + QStringLiteral(" **") +
                     plural(s.diagnostics.size(), "diagnostic", "diagnostics") + QStringLiteral("**:");
        for (std::size_t i = 0; i < sorted.size() && i < kDiagnosticRules; ++i) {
            const Diagnostic& d = *sorted[i].second.first;
            QString line = QStringLiteral("  - ") + QLatin1String(severityName(d.severity)) + u' ' +
                           code(sorted[i].first, 60) + QStringLiteral(" ×") +
                           QString::number(sorted[i].second.count) + QStringLiteral(": ") +
                           text(d.message, 300);
            if (d.taskId)
                line += QStringLiteral(" (task ") + taskRef(d.taskId, d.taskName) + u')';
            if (!d.location.isEmpty())
                line += QStringLiteral(" at ") + code(d.location);
            lines << line;
        }
        if (sorted.size() > kDiagnosticRules)
            lines << QStringLiteral("  - … and ") +
                         plural(sorted.size() - kDiagnosticRules, "more rule", "more rules");
    }
    for (const QString& note : incompleteDataNotes(s, data.warnings))
        lines << QStringLiteral("- ⚠️ **Incomplete data:** ") + text(note, 400);
    return QStringLiteral("\n### Verdicts\n\n") + lines.join(u'\n') + u'\n';
}

QString distributionCells(const Histogram& micros) {
    const PercentileSummary s = micros.summary();
    QString cells = QStringLiteral(" | ") + QString::number(s.count);
    for (const double v :
         {s.mean, double(s.p50), double(s.p90), double(s.p95), double(s.p99), double(s.p999), double(s.max)})
        cells += QStringLiteral(" | ") +
                 (s.count ? formatDuration(std::llround(v * 1000.0)) : QStringLiteral("—"));
    return cells + QStringLiteral(" |\n");
}

QString latency(const RunSnapshot& s) {
    QString h =
        QStringLiteral("\n### Latency\n\n| Metric | Count | Mean | p50 | p90 | p95 | p99 | p99.9 | Max |\n"
                       "|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (std::size_t i = 0; i < s.latency.size() && i < kLatencyRows; ++i)
        h +=
            QStringLiteral("| ") + code(s.latency[i].name, 80, true) + distributionCells(s.latency[i].micros);
    h += QStringLiteral("| *event-loop lag*") + distributionCells(s.loopLagMicros);
    if (s.latency.size() > kLatencyRows)
        h += QStringLiteral("\n") +
             plural(s.latency.size() - kLatencyRows, "more metric is", "more metrics are") +
             QStringLiteral(" in the JSON report.\n");
    const double utilization = std::isfinite(s.loopUtilization) ? s.loopUtilization : 0.0;
    return h + QStringLiteral("\nThe event loop was busy ") + QString::number(utilization * 100.0, 'f', 1) +
           QStringLiteral(" % of the run.\n");
}

QString slowCallbacks(const session::SessionData& data) {
    const auto worst = worstSlowCallbacks(data.snapshot);
    if (worst.empty())
        return {};
    const std::size_t shown = std::min(worst.size(), kWorstSlowCallbacks);
    QString h = QStringLiteral("\n### Worst slow callbacks\n\n") + QString::number(shown) +
                QStringLiteral(" of ") + QString::number(worst.size()) + QStringLiteral(", longest first.\n");
    for (std::size_t i = 0; i < shown; ++i) {
        const SlowCallback& c = *worst[i];
        h += QStringLiteral("\n**") + QString::number(i + 1) + QStringLiteral(". ") +
             formatDuration(c.durationNs) + (c.ongoing ? QStringLiteral(" (still running)") : QString()) +
             QStringLiteral("**") + slowCallbackWhere(c) + QStringLiteral(", +") +
             formatDuration(c.startNs - data.info.startNs) + QStringLiteral(" into the run") +
             (c.eventType.isEmpty() ? QString() : QStringLiteral(" (event ") + code(c.eventType, 60) + u')') +
             QStringLiteral("\n");
        const QStringList frames = c.stack.split(u'\n', Qt::SkipEmptyParts);
        if (frames.isEmpty())
            continue;
        QStringList top = frames.mid(0, kStackFrames);
        if (frames.size() > kStackFrames)
            top << QStringLiteral("… ") + QString::number(frames.size() - kStackFrames) +
                       QStringLiteral(" more frames");
        h += u'\n' + markdown::codeBlock(top);
    }
    return h;
}

QString samplesCell(std::uint64_t n, std::uint64_t all) {
    return QString::number(n) + QStringLiteral(" (") +
           QString::number(100.0 * double(n) / double(all), 'f', 1) + QStringLiteral(" %)");
}

QString cpuProfile(const CpuProfile& p) {
    QString h = QStringLiteral("\n### Where the time goes\n\n");
    if (!p.recorded())
        return h +
               QStringLiteral("The loop thread's CPU was not sampled in this run (`--sample-rate 0`, or a "
                              "session recorded before CPU profiles).\n");
    // What was and was not sampled first: the tables below are shares of these samples.
    h +=
        cpuProfileFacts(p).join(QStringLiteral("; ")) + QStringLiteral(".\n"); // numbers and fixed words only
    const std::uint64_t all = cpuSampleCount(p);
    if (all == 0)
        return h + QStringLiteral("\nNo sample was taken: the loop thread used less CPU time than one "
                                  "interval.\n");
    const std::vector<CpuFunctionCost> costs = cpuFunctionCosts(p);
    h += QStringLiteral("\n| Function | Module | Self | Total |\n|---|---|--:|--:|\n");
    for (std::size_t i = 0; i < costs.size() && i < kCpuFunctionRows; ++i) {
        const CpuFrame& f = p.frames[costs[i].frame];
        h += QStringLiteral("| ") + code(f.function, 120, true) + QStringLiteral(" | ") +
             code(f.module, 60, true) + QStringLiteral(" | ") + samplesCell(costs[i].self, all) +
             QStringLiteral(" | ") + samplesCell(costs[i].total, all) + QStringLiteral(" |\n");
    }
    if (costs.size() > kCpuFunctionRows)
        h += QStringLiteral("\n") +
             plural(costs.size() - kCpuFunctionRows, "more function is", "more functions are") +
             QStringLiteral(" in the JSON report; whole stacks in the `.folded` export.\n");
    const std::vector<CpuTaskCost> tasks = cpuSamplesByTask(p);
    h += QStringLiteral("\n| Task | Samples | CPU time |\n|---|--:|--:|\n");
    for (std::size_t i = 0; i < tasks.size() && i < kCpuTaskRows; ++i) {
        const CpuTaskCost& t = tasks[i];
        const bool real = t.taskId != 0 && t.taskId != CpuProfile::kOtherTasks;
        // The label of an unnamed task is "task #N": the id follows the name instead.
        const auto named = p.taskNames.find(t.taskId);
        const QString name = named != p.taskNames.end() && !named->second.isEmpty()
                                 ? named->second
                                 : QStringLiteral("(unnamed)");
        h += QStringLiteral("| ") +
             (real ? code(name, 80, true) + QStringLiteral(" #") + QString::number(t.taskId)
                   : code(t.label, 80, true)) +
             QStringLiteral(" | ") + samplesCell(t.samples, all) + QStringLiteral(" | ") +
             formatDuration(std::int64_t(t.samples) * p.intervalNs) + QStringLiteral(" |\n");
    }
    if (tasks.size() > kCpuTaskRows)
        h += QStringLiteral("\n") + plural(tasks.size() - kCpuTaskRows, "more task is", "more tasks are") +
             QStringLiteral(" in the JSON report.\n");
    return h;
}

/// The script's last log lines: what it says it did, in its own words (a code block: nothing in
/// them is Markdown).
QString logSection(const session::SessionData& data) {
    constexpr std::size_t kShown = 20;
    if (data.logs.empty())
        return QString();
    QString h = QStringLiteral("\n### Log\n\n");
    const std::size_t first = data.logs.size() > kShown ? data.logs.size() - kShown : 0;
    if (first > 0)
        h += QStringLiteral("The last %1 of %2 lines.\n\n").arg(kShown).arg(data.logs.size());
    QStringList lines;
    for (std::size_t i = first; i < data.logs.size(); ++i)
        lines << QStringLiteral("+") + formatDuration(data.logs[i].tNs - data.info.startNs) + u' ' +
                     data.logs[i].line.left(300);
    return h + markdown::codeBlock(lines);
}

} // namespace

QByteArray toMarkdownReport(const session::SessionData& data) {
    const QString md = headline(data) + verdicts(data) + latency(data.snapshot) +
                       markdown::awaitSitesSection(data.snapshot) +
                       markdown::spawnSitesSection(data.spawnSites) + cpuProfile(data.cpuProfile) +
                       slowCallbacks(data) + logSection(data);
    return md.toUtf8();
}

} // namespace coroscope
