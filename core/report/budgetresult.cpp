// Budgets checked against a session, and the JUnit XML CI servers read them from.
#include "model/format.h"
#include "report/budget.h"

#include <QXmlStreamWriter>

#include <algorithm>
#include <cmath>

namespace coroscope {
namespace {

using Metric = Budget::Metric;
using Outcome = BudgetResult::Outcome;

bool holds(double measured, Budget::Op op, double threshold) {
    switch (op) {
    case Budget::Op::Greater:
        return measured > threshold;
    case Budget::Op::GreaterOrEqual:
        return measured >= threshold;
    case Budget::Op::Less:
        return measured < threshold;
    case Budget::Op::LessOrEqual:
        return measured <= threshold;
    }
    return false;
}

QString formatted(const Budget& b, double v) {
    switch (b.kind) {
    case Budget::Kind::Count:
        return QString::number(v, 'f', 0);
    case Budget::Kind::Duration:
        return formatDuration(std::llround(v));
    case Budget::Kind::Size:
        return formatBytes(v);
    case Budget::Kind::Rate:
        // In the unit the budget was written in: "measured 12.0 MiB/min" against "10MiB/min".
        return QString(formatBytes(v * b.rateUnitSeconds) + u'/' + b.rateUnit);
    case Budget::Kind::Severity:
        return QString::fromLatin1(severityName(Severity(int(v))));
    }
    return {};
}

const LatencyMetric* latencyNamed(const RunSnapshot& s, const QString& name) {
    const auto it = std::find_if(s.latency.begin(), s.latency.end(),
                                 [&](const LatencyMetric& m) { return m.name == name; });
    return it == s.latency.end() ? nullptr : &*it;
}

QString noSuchMetric(const RunSnapshot& s, const QString& name) {
    if (s.latency.empty())
        return QStringLiteral("no metric named '%1' in this run; it recorded none").arg(name);
    constexpr std::size_t kListed = 20; // a script may record hundreds
    QStringList names;
    for (std::size_t i = 0; i < std::min(s.latency.size(), kListed); ++i)
        names << s.latency[i].name;
    if (s.latency.size() > kListed)
        names << QStringLiteral("and %1 more").arg(s.latency.size() - kListed);
    return QStringLiteral("no metric named '%1' in this run; it has: %2")
        .arg(name, names.join(QStringLiteral(", ")));
}

/// Characters XML 1.0 cannot carry at all, even escaped (control characters, lone surrogates),
/// become U+FFFD: a metric name is whatever the script passed to measure().
QString xmlSafe(const QString& text) {
    QString out = text;
    for (qsizetype i = 0; i < out.size(); ++i) {
        const char16_t c = out.at(i).unicode();
        const bool pairedHigh =
            QChar::isHighSurrogate(c) && i + 1 < out.size() && out.at(i + 1).isLowSurrogate();
        if (pairedHigh) {
            ++i;
            continue;
        }
        if ((c < 0x20 && c != u'\t' && c != u'\n' && c != u'\r') || c == 0xFFFE || c == 0xFFFF ||
            QChar::isSurrogate(c))
            out[i] = QChar::ReplacementCharacter;
    }
    return out;
}

} // namespace

BudgetResult evaluate(const Budget& b, const session::SessionData& data) {
    const RunSnapshot& s = data.snapshot;
    BudgetResult r;
    r.expression = b.text;
    r.threshold = formatted(b, b.threshold);
    auto measured = [&](double value) {
        r.value = value;
        r.measured = formatted(b, value);
        r.outcome = holds(value, b.op, b.threshold) ? Outcome::Violated : Outcome::Passed;
        return r;
    };
    const LatencyMetric* latency = nullptr;
    if (!b.latencyName.isEmpty()) {
        latency = latencyNamed(s, b.latencyName);
        if (!latency) {
            // Violated, not passed: `p99(fecth)>50ms` must not pass a CI run unseen.
            r.outcome = Outcome::Violated;
            r.measured = noSuchMetric(s, b.latencyName);
            return r;
        }
    }
    constexpr double kNsPerMicro = 1000; // histograms hold µs, duration thresholds are ns
    switch (b.metric) {
    case Metric::SlowCallbacks:
        return measured(double(s.slowCallbacks.size() + s.drops.slowCallbacksOverLimit));
    case Metric::MaxBlock: {
        if (s.slowCallbacks.empty()) {
            // Only callbacks over the slow threshold are recorded: the longest lies somewhere in
            // [0, threshold). If the budget says the same at both ends, that is the answer.
            const auto slow = double(data.info.slowThresholdNs);
            const bool atZero = holds(0, b.op, b.threshold);
            if (atZero == holds(std::max(0.0, slow - 1), b.op, b.threshold)) {
                r.value = 0;
                r.outcome = atZero ? Outcome::Violated : Outcome::Passed;
                r.measured = QStringLiteral("no callback over the slow threshold (%1)")
                                 .arg(formatDuration(data.info.slowThresholdNs));
                return r;
            }
            r.outcome = Outcome::Skipped;
            r.measured = QStringLiteral("no callback over the slow threshold (%1), and shorter ones are not "
                                        "recorded: lower --slow-threshold to check this budget")
                             .arg(formatDuration(data.info.slowThresholdNs));
            return r;
        }
        // The slow callbacks past the list's limit are not kept: the longest is of those kept.
        std::int64_t longest = 0;
        for (const SlowCallback& slow : s.slowCallbacks)
            longest = std::max(longest, slow.durationNs);
        return measured(double(longest));
    }
    case Metric::LatencyPercentile:
        return measured(double(latency->micros.percentile(b.percentile)) * kNsPerMicro);
    case Metric::LatencyMax:
        return measured(double(latency->micros.max()) * kNsPerMicro);
    case Metric::LatencyMean:
        return measured(latency->micros.mean() * kNsPerMicro);
    case Metric::LatencyCount:
        return measured(double(latency->micros.count()));
    case Metric::LagPercentile:
        return measured(double(s.loopLagMicros.percentile(b.percentile)) * kNsPerMicro);
    case Metric::LagMax:
        return measured(double(s.loopLagMicros.max()) * kNsPerMicro);
    case Metric::RssGrowth:
    case Metric::HeapGrowth:
        // The slope over the last 10 s of samples. Over less than a second it is start-up (debug
        // info loading, the engine's first heap), not growth: the text summary hides it too.
        if (s.memoryStats.growthSpanNs < 1'000'000'000) {
            r.outcome = Outcome::Skipped;
            r.measured = QStringLiteral("memory was sampled over %1 only; a growth rate needs 1 s")
                             .arg(formatDuration(s.memoryStats.growthSpanNs));
            return r;
        }
        return measured(b.metric == Metric::RssGrowth ? s.memoryStats.rssGrowthBytesPerSecond
                                                      : s.memoryStats.heapGrowthBytesPerSecond);
    case Metric::RssPeak:
        return measured(double(s.memoryStats.rssPeakBytes));
    case Metric::TasksFailed:
        return measured(double(s.tasksByState[std::size_t(TaskState::Failed)]));
    case Metric::TasksCancelled:
        return measured(double(s.tasksByState[std::size_t(TaskState::Cancelled)]));
    case Metric::TasksTotal:
        return measured(double(s.tasksTotal));
    case Metric::Diagnostics: {
        // Diagnostics past a rule's limit are dropped without their severity, but each such rule
        // keeps its first ones: whether any is at a severity is still right; the count is a floor.
        const auto atLeast = Severity(int(b.threshold));
        const auto n = std::count_if(s.diagnostics.begin(), s.diagnostics.end(),
                                     [&](const Diagnostic& d) { return d.severity >= atLeast; });
        r.value = double(n);
        r.threshold = QStringLiteral("any at %1 or above").arg(QLatin1String(severityName(atLeast)));
        r.measured = QStringLiteral("%1 %2 at %3 or above")
                         .arg(QString::number(n),
                              n == 1 ? QStringLiteral("diagnostic") : QStringLiteral("diagnostics"),
                              QLatin1String(severityName(atLeast)));
        r.outcome = n > 0 ? Outcome::Violated : Outcome::Passed;
        return r;
    }
    }
    return r;
}

std::vector<BudgetResult> evaluate(const std::vector<Budget>& budgets, const session::SessionData& data) {
    std::vector<BudgetResult> results;
    results.reserve(budgets.size());
    for (const Budget& b : budgets)
        results.push_back(evaluate(b, data));
    return results;
}

QString budgetLine(const BudgetResult& r) {
    const QString detail = r.value ? QString(QStringLiteral("measured ") + r.measured) : r.measured;
    switch (r.outcome) {
    case Outcome::Passed:
        return {};
    case Outcome::Violated:
        return QStringLiteral("budget violated: %1 (%2)").arg(r.expression, detail);
    case Outcome::Skipped:
        return QStringLiteral("budget skipped: %1 (%2)").arg(r.expression, detail);
    }
    return {};
}

QByteArray budgetsJUnit(const std::vector<BudgetResult>& results) {
    const auto count = [&](Outcome o) {
        return QString::number(std::count_if(results.begin(), results.end(),
                                             [&](const BudgetResult& r) { return r.outcome == o; }));
    };
    const QString tests = QString::number(results.size());
    QByteArray xml;
    QXmlStreamWriter w(&xml);
    w.setAutoFormatting(true);
    w.writeStartDocument();
    w.writeStartElement(QStringLiteral("testsuites"));
    w.writeAttribute(QStringLiteral("name"), QStringLiteral("coroscope"));
    w.writeAttribute(QStringLiteral("tests"), tests);
    w.writeAttribute(QStringLiteral("failures"), count(Outcome::Violated));
    w.writeAttribute(QStringLiteral("skipped"), count(Outcome::Skipped));
    w.writeStartElement(QStringLiteral("testsuite"));
    w.writeAttribute(QStringLiteral("name"), QStringLiteral("coroscope budgets"));
    w.writeAttribute(QStringLiteral("tests"), tests);
    w.writeAttribute(QStringLiteral("failures"), count(Outcome::Violated));
    w.writeAttribute(QStringLiteral("errors"), QStringLiteral("0"));
    w.writeAttribute(QStringLiteral("skipped"), count(Outcome::Skipped));
    for (const BudgetResult& r : results) {
        const QString detail = r.value ? QString(QStringLiteral("measured ") + r.measured) : r.measured;
        w.writeStartElement(QStringLiteral("testcase"));
        w.writeAttribute(QStringLiteral("name"), xmlSafe(r.expression));
        w.writeAttribute(QStringLiteral("classname"), QStringLiteral("coroscope.budgets"));
        switch (r.outcome) {
        case Outcome::Violated:
            w.writeStartElement(QStringLiteral("failure"));
            // "measured 73.2 ms, budget p99(fetch)>50ms"; without a value, the reason comes first.
            w.writeAttribute(
                QStringLiteral("message"),
                xmlSafe(r.value ? QString(detail + QStringLiteral(", budget ") + r.expression)
                                : QString(detail + QStringLiteral(" (budget ") + r.expression + u')')));
            w.writeAttribute(QStringLiteral("type"), QStringLiteral("budget"));
            w.writeCharacters(xmlSafe(budgetLine(r)));
            w.writeEndElement();
            break;
        case Outcome::Skipped:
            w.writeStartElement(QStringLiteral("skipped"));
            w.writeAttribute(QStringLiteral("message"), xmlSafe(detail));
            w.writeEndElement();
            break;
        case Outcome::Passed:
            // Passing figures too: how close a run came to its budget is worth seeing.
            w.writeTextElement(QStringLiteral("system-out"),
                               xmlSafe(QString(detail + QStringLiteral(", budget ") + r.expression)));
            break;
        }
        w.writeEndElement();
    }
    w.writeEndElement();
    w.writeEndElement();
    w.writeEndDocument();
    return xml;
}

} // namespace coroscope
