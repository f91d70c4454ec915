#pragma once

#include "reading/sessionreader.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <variant>
#include <vector>

namespace coroscope {

/// One CI budget, `--fail-on METRIC OP VALUE`: the expression states the failure, so
/// `p99(fetch)>50ms` is violated when the p99 of `fetch` is above 50 ms. See docs/ci.md.
struct Budget {
    enum class Metric {
        SlowCallbacks,     ///< count
        MaxBlock,          ///< duration: the longest slow callback
        LatencyPercentile, ///< duration: pN(NAME)
        LatencyMax,        ///< duration: max(NAME)
        LatencyMean,       ///< duration: mean(NAME)
        LatencyCount,      ///< count: count(NAME)
        LagPercentile,     ///< duration: lag.pN
        LagMax,            ///< duration: lag.max
        RssGrowth,         ///< size per time
        HeapGrowth,        ///< size per time
        RssPeak,           ///< size
        TasksFailed,       ///< count
        TasksCancelled,    ///< count
        TasksTotal,        ///< count
        Diagnostics,       ///< severity; measured as the count at or above it
    };
    enum class Op { Greater, GreaterOrEqual, Less, LessOrEqual };
    /// What the threshold is. A value must be of its metric's kind, so `max-block>200` (200 what?)
    /// or `rss.peak>5s` is an error rather than a guess.
    enum class Kind { Count, Duration, Size, Rate, Severity };

    QString text; ///< canonical: the expression without blanks around its parts, e.g. "p99(fetch)>50ms"
    Metric metric = Metric::SlowCallbacks;
    Kind kind = Kind::Count;
    QString latencyName;        ///< for the latency functions: the metric the script recorded
    double percentile = 0;      ///< for LatencyPercentile and LagPercentile, in (0, 100)
    Op op = Op::Greater;        ///< Diagnostics: always GreaterOrEqual (`>info` is stored as `>=warning`)
    double threshold = 0;       ///< ns, bytes, bytes/s or a count; Diagnostics: the Severity
    QString valueText;          ///< the threshold as written ("50ms"), for messages
    double rateUnitSeconds = 1; ///< growth: the time unit the threshold was written in (60 for /min)
    QString rateUnit;           ///< its name ("s", "min", "h"), so the measured rate reads the same way
};

/// Parses a --fail-on expression. The error quotes the expression and says what is wrong, e.g.
/// `--fail-on 'p99(fetch)>fast': 'fast' is not a duration (like 50ms)`.
std::variant<Budget, QString> parseBudget(const QString& expression);

/// Parses every expression; the first malformed one's error, if any.
std::variant<std::vector<Budget>, QString> parseBudgets(const QStringList& expressions);

/// The metrics' names as docs/ci.md lists them (pN(NAME) etc. for the parameterised ones).
QStringList budgetMetricNames();

/// A budget checked against a run.
struct BudgetResult {
    /// Skipped: the run cannot tell either way (memory sampled too briefly to give a growth rate,
    /// or no callback reached a slow threshold above the budget's). Not a failure, but said.
    enum class Outcome { Passed, Violated, Skipped };

    QString expression; ///< Budget::text
    Outcome outcome = Outcome::Passed;
    std::optional<double> value; ///< in the metric's base unit; none: not measured
    QString measured;  ///< "73.2 ms", "3", "12.0 MiB/min"; without a value: why ("no metric named ...")
    QString threshold; ///< the threshold, formatted like `measured`

    bool violated() const { return outcome == Outcome::Violated; }
};

/// A budget that cannot be measured because its latency metric was never recorded is violated,
/// naming the metrics the run has: a typo in a name must not pass unseen.
BudgetResult evaluate(const Budget& budget, const session::SessionData& data);
std::vector<BudgetResult> evaluate(const std::vector<Budget>& budgets, const session::SessionData& data);

/// The stderr line for a result: "budget violated: p99(fetch)>50ms (measured 73.2 ms)",
/// "budget skipped: ...", or empty for a passed budget.
QString budgetLine(const BudgetResult& result);

/// JUnit XML: one test case per budget, a <failure> with the measured value for each violated one.
QByteArray budgetsJUnit(const std::vector<BudgetResult>& results);

} // namespace coroscope
