#include "report/sessiondiff.h"

#include "model/format.h"
#include "report/incompletedata.h"

#include <QStringList>

#include <algorithm>
#include <cmath>

namespace coroscope {

namespace {

// A change exactly at the tolerance is not beyond it; the slack keeps rounding in the division
// (and in the tolerance parsed from "10%") from deciding that edge.
constexpr double kToleranceSlack = 1e-9;

// The lag probe is a 10 ms timer: below a millisecond its lag is the kernel's timer slack and
// scheduling jitter, which moves by more than 10 % between two runs of the same program. The
// script's own metrics get no floor: their scale is the script's to know.
constexpr double kLagNoiseFloorNs = 1'000'000;

DiffVerdict judge(const DiffRow& row, double tolerance) {
    if (!row.judged || !row.a || !row.b)
        return DiffVerdict::Info;
    const double change = *row.b - *row.a;
    if (change == 0 || std::abs(change) < row.noiseFloor)
        return DiffVerdict::Unchanged;
    // From 0, any change is beyond any tolerance (an infinite ratio). |a| as the base, so that a
    // growth rate that was negative is compared by its size too.
    const double base = std::abs(*row.a);
    const bool beyond = base == 0 || std::abs(change) / base > tolerance + kToleranceSlack;
    if (!beyond)
        return DiffVerdict::Unchanged;
    return change > 0 ? DiffVerdict::Regression : DiffVerdict::Improvement; // lower is better
}

class RowBuilder {
public:
    explicit RowBuilder(std::vector<DiffRow>& rows)
        : m_rows(rows) {}
    DiffRow& add(const QString& section, const QString& what, DiffUnit unit, std::optional<double> a,
                 std::optional<double> b, bool judged, const QString& subject = {}) {
        DiffRow row;
        row.section = section;
        row.subject = subject;
        row.what = what;
        row.unit = unit;
        row.a = a;
        row.b = b;
        row.judged = judged;
        m_rows.push_back(std::move(row));
        return m_rows.back();
    }

private:
    std::vector<DiffRow>& m_rows;
};

const Histogram* metricNamed(const RunSnapshot& s, const QString& name) {
    for (const LatencyMetric& m : s.latency)
        if (m.name == name)
            return m.micros.count() ? &m.micros : nullptr;
    return nullptr;
}

// Histograms hold µs; rows hold ns, like every other duration here.
std::optional<double> nanos(const Histogram* h, double micros) {
    return h ? std::optional<double>(micros * 1000.0) : std::nullopt;
}

void addDistribution(RowBuilder& rows, const QString& section, const QString& subject, const Histogram* a,
                     const Histogram* b, bool withCount, bool allPercentiles, double noiseFloorNs = 0) {
    const PercentileSummary sa = a ? a->summary() : PercentileSummary{};
    const PercentileSummary sb = b ? b->summary() : PercentileSummary{};
    const QString prefix = section == QLatin1String("loop") ? QStringLiteral("lag ") : QString();
    if (withCount) // how many were measured: a workload parameter, neither better nor worse
        rows.add(section, prefix + QStringLiteral("count"), DiffUnit::Count,
                 a ? std::optional<double>(double(sa.count)) : std::nullopt,
                 b ? std::optional<double>(double(sb.count)) : std::nullopt, false, subject);
    const auto add = [&](const char* what, double va, double vb) {
        rows.add(section, prefix + QLatin1String(what), DiffUnit::Nanoseconds, nanos(a, va), nanos(b, vb),
                 true, subject)
            .noiseFloor = noiseFloorNs;
    };
    if (allPercentiles)
        add("mean", sa.mean, sb.mean);
    add("p50", double(sa.p50), double(sb.p50));
    add("p90", double(sa.p90), double(sb.p90));
    if (allPercentiles)
        add("p95", double(sa.p95), double(sb.p95));
    add("p99", double(sa.p99), double(sb.p99));
    if (allPercentiles)
        add("p99.9", double(sa.p999), double(sb.p999));
    add("max", double(sa.max), double(sb.max));
}

const SlowCallback* worstSlowCallback(const RunSnapshot& s) {
    const auto it = std::max_element(
        s.slowCallbacks.begin(), s.slowCallbacks.end(),
        [](const SlowCallback& x, const SlowCallback& y) { return x.durationNs < y.durationNs; });
    return it == s.slowCallbacks.end() ? nullptr : &*it;
}

QString slowCallbackDetail(const SlowCallback* c) {
    if (!c)
        return {};
    QStringList parts;
    if (c->taskId)
        parts << QStringLiteral("task ") +
                     (c->taskName.isEmpty() ? QStringLiteral("(unnamed)") : c->taskName);
    if (!c->location.isEmpty())
        parts << QStringLiteral("at ") + c->location;
    return parts.join(u' ');
}

std::optional<double> growthRate(const MemoryStats& m) {
    // As the text summary decides: a rate over less than a second is mostly start-up.
    if (m.growthSpanNs < 1'000'000'000 || !std::isfinite(m.rssGrowthBytesPerSecond))
        return std::nullopt;
    return m.rssGrowthBytesPerSecond;
}

std::uint64_t diagnosticsOf(const RunSnapshot& s, Severity severity) {
    return std::uint64_t(std::count_if(s.diagnostics.begin(), s.diagnostics.end(),
                                       [&](const Diagnostic& d) { return d.severity == severity; }));
}

// Script strings go to a terminal: no control characters (an escape sequence, a newline).
QString printable(QString text) {
    for (QChar& c : text)
        if (c.category() == QChar::Other_Control)
            c = u' ';
    return text;
}

QString signedPrefix(double value) {
    return value > 0 ? QStringLiteral("+") : QString();
}

} // namespace

QString diffVerdictName(DiffVerdict verdict) {
    switch (verdict) {
    case DiffVerdict::Unchanged:
        return QStringLiteral("unchanged");
    case DiffVerdict::Regression:
        return QStringLiteral("regression");
    case DiffVerdict::Improvement:
        return QStringLiteral("improvement");
    case DiffVerdict::Info:
        return QStringLiteral("info");
    }
    return {};
}

std::optional<double> DiffRow::delta() const {
    if (!a || !b)
        return std::nullopt;
    return *b - *a;
}

std::optional<double> DiffRow::ratio() const {
    // A ratio to a negative value (a shrinking memory) says nothing; the delta does.
    if (!a || !b || *a <= 0)
        return std::nullopt;
    return *b / *a;
}

std::size_t SessionDiff::count(DiffVerdict verdict) const {
    return std::size_t(
        std::count_if(rows.begin(), rows.end(), [&](const DiffRow& r) { return r.verdict == verdict; }));
}

SessionDiff diffSessions(const session::SessionData& a, const session::SessionData& b, double tolerance) {
    SessionDiff diff;
    diff.pathA = a.path;
    diff.pathB = b.path;
    diff.runA = a.info;
    diff.runB = b.info;
    diff.finishedA = a.finished || a.path.isEmpty();
    diff.finishedB = b.finished || b.path.isEmpty();
    diff.incompleteA = incompleteDataNotes(a.snapshot, a.warnings);
    diff.incompleteB = incompleteDataNotes(b.snapshot, b.warnings);
    diff.tolerance = tolerance;
    RowBuilder rows(diff.rows);
    const RunSnapshot& sa = a.snapshot;
    const RunSnapshot& sb = b.snapshot;

    // Metrics in A's order, then those only B recorded.
    QStringList names;
    for (const RunSnapshot* s : {&sa, &sb})
        for (const LatencyMetric& m : s->latency)
            if (!names.contains(m.name))
                names << m.name;
    for (const QString& name : names)
        addDistribution(rows, QStringLiteral("latency"), name, metricNamed(sa, name), metricNamed(sb, name),
                        true, true);

    const QString loop = QStringLiteral("loop");
    addDistribution(rows, loop, {}, sa.loopLagMicros.count() ? &sa.loopLagMicros : nullptr,
                    sb.loopLagMicros.count() ? &sb.loopLagMicros : nullptr, false, false, kLagNoiseFloorNs);
    // A busier loop may be more work done or more waste: shown, not judged.
    rows.add(loop, QStringLiteral("utilization"), DiffUnit::Fraction, sa.loopUtilization, sb.loopUtilization,
             false);

    const QString slow = QStringLiteral("slow callbacks");
    rows.add(slow, QStringLiteral("count"), DiffUnit::Count, double(sa.slowCallbacks.size()),
             double(sb.slowCallbacks.size()), true);
    const SlowCallback* worstA = worstSlowCallback(sa);
    const SlowCallback* worstB = worstSlowCallback(sb);
    DiffRow& worst =
        rows.add(slow, QStringLiteral("worst"), DiffUnit::Nanoseconds,
                 worstA ? std::optional<double>(double(worstA->durationNs)) : std::nullopt,
                 worstB ? std::optional<double>(double(worstB->durationNs)) : std::nullopt, true);
    worst.detailA = slowCallbackDetail(worstA);
    worst.detailB = slowCallbackDetail(worstB);

    const QString tasks = QStringLiteral("tasks");
    rows.add(tasks, QStringLiteral("total"), DiffUnit::Count, double(sa.tasksTotal), double(sb.tasksTotal),
             false);
    for (int s = 0; s < kTaskStateCount; ++s) {
        const bool failed = TaskState(s) == TaskState::Failed;
        // A state neither run ended a task in is noise in the table; "failed" is always shown.
        if (!failed && sa.tasksByState[std::size_t(s)] == 0 && sb.tasksByState[std::size_t(s)] == 0)
            continue;
        const std::string_view name = taskStateName(TaskState(s));
        rows.add(tasks, QString::fromLatin1(name.data(), qsizetype(name.size())), DiffUnit::Count,
                 double(sa.tasksByState[std::size_t(s)]), double(sb.tasksByState[std::size_t(s)]), failed);
    }

    const QString diagnostics = QStringLiteral("diagnostics");
    rows.add(diagnostics, QStringLiteral("errors"), DiffUnit::Count,
             double(diagnosticsOf(sa, Severity::Error)), double(diagnosticsOf(sb, Severity::Error)), true);
    rows.add(diagnostics, QStringLiteral("warnings"), DiffUnit::Count,
             double(diagnosticsOf(sa, Severity::Warning)), double(diagnosticsOf(sb, Severity::Warning)),
             true);

    // RSS includes the runtime's own start-up (debug info, the JS engine): shown, not judged;
    // the growth rate is what a leak changes.
    const QString memory = QStringLiteral("memory");
    const MemoryStats& ma = sa.memoryStats;
    const MemoryStats& mb = sb.memoryStats;
    rows.add(memory, QStringLiteral("RSS start"), DiffUnit::Bytes, double(ma.rssStartBytes),
             double(mb.rssStartBytes), false);
    rows.add(memory, QStringLiteral("RSS peak"), DiffUnit::Bytes, double(ma.rssPeakBytes),
             double(mb.rssPeakBytes), false);
    rows.add(memory, QStringLiteral("RSS end"), DiffUnit::Bytes, double(ma.rssEndBytes),
             double(mb.rssEndBytes), false);
    rows.add(memory, QStringLiteral("RSS growth"), DiffUnit::BytesPerSecond, growthRate(ma), growthRate(mb),
             true);

    rows.add(QStringLiteral("run"), QStringLiteral("duration"), DiffUnit::Nanoseconds,
             double(a.info.durationNs), double(b.info.durationNs), false);

    for (DiffRow& row : diff.rows)
        row.verdict = judge(row, tolerance);
    return diff;
}

QString formatDiffValue(DiffUnit unit, double value, bool signedValue) {
    const QString sign = signedValue ? signedPrefix(value) : QString();
    switch (unit) {
    case DiffUnit::Nanoseconds:
        return sign + formatDuration(std::llround(value));
    case DiffUnit::Bytes:
        return sign + formatBytes(value);
    case DiffUnit::BytesPerSecond:
        return sign + formatBytes(value) + QStringLiteral("/s");
    case DiffUnit::Count:
        return sign + QString::number(std::llround(value));
    case DiffUnit::Fraction:
        // A difference of two percentages is in percentage points.
        return sign + QString::number(value * 100.0, 'f', 1) +
               (signedValue ? QStringLiteral(" pp") : QStringLiteral(" %"));
    }
    return {};
}

QString formatDiffRatio(const DiffRow& row) {
    if (const auto ratio = row.ratio())
        return QString::number(*ratio, 'f', 2) + QStringLiteral("×");
    return row.a && row.b && *row.a == 0 && *row.b > 0 ? QStringLiteral("new") : QStringLiteral("—");
}

QString diffText(const SessionDiff& diff) {
    const auto value = [](const DiffRow& r, const std::optional<double>& v) -> QString {
        return v ? formatDiffValue(r.unit, *v) : QStringLiteral("—");
    };
    struct Line {
        QString what, a, b, delta, ratio, verdict, detailA, detailB;
    };
    std::vector<std::pair<QString, Line>> lines; // section, line
    for (const DiffRow& r : diff.rows) {
        Line line{printable(r.subject.isEmpty() ? r.what : r.subject + u' ' + r.what),
                  value(r, r.a),
                  value(r, r.b),
                  r.delta() ? formatDiffValue(r.unit, *r.delta(), true) : QStringLiteral("—"),
                  formatDiffRatio(r),
                  r.verdict == DiffVerdict::Info ? QString() : diffVerdictName(r.verdict),
                  printable(r.detailA.left(200)),
                  printable(r.detailB.left(200))};
        lines.emplace_back(r.section, line);
    }
    qsizetype w[5] = {4, 1, 1, 5, 5};
    for (const auto& [section, l] : lines) {
        w[0] = std::max(w[0], std::min<qsizetype>(l.what.size(), 60));
        w[1] = std::max(w[1], l.a.size());
        w[2] = std::max(w[2], l.b.size());
        w[3] = std::max(w[3], l.delta.size());
        w[4] = std::max(w[4], l.ratio.size());
    }
    // Every lambda building a string returns a QString: `auto` would return a QStringBuilder
    // holding references to the lambda's temporaries.
    const auto describe = [](const QString& label, const QString& path, const RunInfo& run,
                             bool finished) -> QString {
        QStringList params;
        for (const auto& [k, v] : run.params)
            params << k + u'=' + v;
        return label + QStringLiteral(": ") +
               printable(QString((path.isEmpty() ? QStringLiteral("(no file)") : path) +
                                 QStringLiteral(" — ") + run.script)) +
               QStringLiteral(", ") + runStatusName(run.status) + QStringLiteral(" after ") +
               formatDuration(run.durationNs) +
               (params.isEmpty() ? QString() : QStringLiteral(", ") + printable(params.join(u' '))) +
               (finished ? QString() : QStringLiteral(" (unfinished session)")) + u'\n';
    };
    const auto incomplete = [&](const QString& label, const QStringList& notes) {
        QString lines;
        for (const QString& note : notes)
            lines += QStringLiteral("  ") + label + QStringLiteral(": incomplete data: ") + printable(note) +
                     u'\n';
        return lines;
    };
    QString out = describe(QStringLiteral("A"), diff.pathA, diff.runA, diff.finishedA) +
                  incomplete(QStringLiteral("A"), diff.incompleteA) +
                  describe(QStringLiteral("B"), diff.pathB, diff.runB, diff.finishedB) +
                  incomplete(QStringLiteral("B"), diff.incompleteB) + QStringLiteral("Tolerance: ") +
                  QString::number(diff.tolerance * 100.0, 'g', 6) + QStringLiteral(" %\n");
    const auto row = [&](const QString& what, const QString& a, const QString& b, const QString& delta,
                         const QString& ratio, const QString& verdict) -> QString {
        return QStringLiteral("  ") + what.left(60).leftJustified(w[0]) + QStringLiteral("  ") +
               a.rightJustified(w[1]) + QStringLiteral("  ") + b.rightJustified(w[2]) + QStringLiteral("  ") +
               delta.rightJustified(w[3]) + QStringLiteral("  ") + ratio.rightJustified(w[4]) +
               QStringLiteral("  ") + verdict;
    };
    const auto rstrip = [](QString text) -> QString {
        while (text.endsWith(u' '))
            text.chop(1);
        return text + u'\n';
    };
    out += u'\n' + rstrip(row(QStringLiteral("what"), QStringLiteral("A"), QStringLiteral("B"),
                              QStringLiteral("delta"), QStringLiteral("ratio"), QStringLiteral("verdict")));
    QString section;
    for (const auto& [s, l] : lines) {
        if (s != section)
            out += s + u'\n';
        section = s;
        out += rstrip(row(l.what, l.a, l.b, l.delta, l.ratio, l.verdict));
        for (const auto& [label, detail] :
             {std::pair(QStringLiteral("A"), l.detailA), std::pair(QStringLiteral("B"), l.detailB)})
            if (!detail.isEmpty())
                out += QStringLiteral("      ") + label + QStringLiteral(": ") + detail + u'\n';
    }
    return out + u'\n' + diffSummary(diff) + u'\n';
}

QString diffSummary(const SessionDiff& diff) {
    const auto n = [&](DiffVerdict v, const char* one, const char* many) -> QString {
        const std::size_t count = diff.count(v);
        return QString::number(count) + u' ' + QLatin1String(count == 1 ? one : many);
    };
    return n(DiffVerdict::Regression, "regression", "regressions") + QStringLiteral(", ") +
           n(DiffVerdict::Improvement, "improvement", "improvements") + QStringLiteral(", ") +
           n(DiffVerdict::Unchanged, "unchanged", "unchanged") + QStringLiteral(" (tolerance ") +
           QString::number(diff.tolerance * 100.0, 'g', 6) + QStringLiteral(" %)");
}

} // namespace coroscope
