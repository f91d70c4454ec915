#include "report/budget.h"

#include "model/format.h"

#include <QRegularExpression>

#include <algorithm>
#include <array>

namespace coroscope {
namespace {

using Metric = Budget::Metric;
using Kind = Budget::Kind;

/// What a value looks like, whatever the metric wants: tells "wrong kind" from "not a value".
enum class Shape { Number, Duration, Size, Rate, Severity, Unknown };

const QString kNumber = QStringLiteral("\\d+(?:\\.\\d+)?");

QString nounOf(Kind k) {
    switch (k) {
    case Kind::Count:
        return QStringLiteral("a count");
    case Kind::Duration:
        return QStringLiteral("a duration");
    case Kind::Size:
        return QStringLiteral("a size");
    case Kind::Rate:
        return QStringLiteral("a size per time");
    case Kind::Severity:
        return QStringLiteral("a severity");
    }
    return {};
}

QString exampleOf(Kind k) {
    switch (k) {
    case Kind::Count:
        return QStringLiteral("like 0");
    case Kind::Duration:
        return QStringLiteral("like 50ms");
    case Kind::Size:
        return QStringLiteral("like 512MiB");
    case Kind::Rate:
        return QStringLiteral("like 10MiB/min");
    case Kind::Severity:
        return QStringLiteral("info, warning or error");
    }
    return {};
}

Kind kindOf(Metric m) {
    switch (m) {
    case Metric::SlowCallbacks:
    case Metric::LatencyCount:
    case Metric::TasksFailed:
    case Metric::TasksCancelled:
    case Metric::TasksTotal:
        return Kind::Count;
    case Metric::MaxBlock:
    case Metric::LatencyPercentile:
    case Metric::LatencyMax:
    case Metric::LatencyMean:
    case Metric::LagPercentile:
    case Metric::LagMax:
        return Kind::Duration;
    case Metric::RssPeak:
        return Kind::Size;
    case Metric::RssGrowth:
    case Metric::HeapGrowth:
        return Kind::Rate;
    case Metric::Diagnostics:
        return Kind::Severity;
    }
    return Kind::Count;
}

/// Seconds in a rate's time unit ("10MiB/min"); 0 for anything else.
double rateUnitSeconds(const QString& unit) {
    if (unit == QLatin1String("s"))
        return 1;
    if (unit == QLatin1String("min") || unit == QLatin1String("m"))
        return 60;
    if (unit == QLatin1String("h"))
        return 3600;
    return 0;
}

std::optional<Severity> severityNamed(const QString& name) {
    for (const Severity s : {Severity::Info, Severity::Warning, Severity::Error})
        if (name.compare(QLatin1String(severityName(s)), Qt::CaseInsensitive) == 0)
            return s;
    return std::nullopt;
}

Shape shapeOf(const QString& value) {
    // Durations before sizes: "10m" is ten minutes (parseBytes would read ten MiB).
    static const QRegularExpression number(QStringLiteral("^%1$").arg(kNumber));
    static const QRegularExpression duration(
        QStringLiteral("^%1\\s*(?:ns|us|µs|ms|s|m|min|h)$").arg(kNumber));
    static const QRegularExpression size(
        QStringLiteral("^%1\\s*(?:B|K|KB|KiB|M|MB|MiB|G|GB|GiB|T|TB|TiB)$").arg(kNumber),
        QRegularExpression::CaseInsensitiveOption);
    if (number.match(value).hasMatch())
        return Shape::Number;
    if (duration.match(value).hasMatch())
        return Shape::Duration;
    if (size.match(value).hasMatch())
        return Shape::Size;
    if (severityNamed(value))
        return Shape::Severity;
    const qsizetype slash = value.indexOf(u'/');
    if (slash > 0 && shapeOf(value.left(slash).trimmed()) == Shape::Size &&
        rateUnitSeconds(value.mid(slash + 1).trimmed()) > 0)
        return Shape::Rate;
    return Shape::Unknown;
}

QString shapeNoun(Shape s) {
    switch (s) {
    case Shape::Duration:
        return nounOf(Kind::Duration);
    case Shape::Size:
        return nounOf(Kind::Size);
    case Shape::Rate:
        return nounOf(Kind::Rate);
    case Shape::Severity:
        return nounOf(Kind::Severity);
    case Shape::Number:
    case Shape::Unknown:
        break;
    }
    return QStringLiteral("a plain number");
}

bool shapeFits(Shape s, Kind k) {
    return (k == Kind::Count && s == Shape::Number) || (k == Kind::Duration && s == Shape::Duration) ||
           (k == Kind::Size && s == Shape::Size) || (k == Kind::Rate && s == Shape::Rate) ||
           (k == Kind::Severity && s == Shape::Severity);
}

struct MetricSpec {
    Metric metric = Metric::SlowCallbacks;
    QString name;
    double percentile = 0;
    QString text; ///< canonical
};

/// "50" -> 50, "99.9" and "999" -> 99.9: the percentiles reports show; 0 for any other.
double percentileNamed(const QString& digits) {
    static const std::array<std::pair<const char*, double>, 6> known{
        {{"50", 50}, {"90", 90}, {"95", 95}, {"99", 99}, {"99.9", 99.9}, {"999", 99.9}}};
    for (const auto& [name, p] : known)
        if (digits == QLatin1String(name))
            return p;
    return 0;
}

std::variant<MetricSpec, QString> parseMetric(const QString& text) {
    static const std::array<std::pair<const char*, Metric>, 10> plain{{
        {"slow-callbacks", Metric::SlowCallbacks},
        {"max-block", Metric::MaxBlock},
        {"lag.max", Metric::LagMax},
        {"rss.growth", Metric::RssGrowth},
        {"heap.growth", Metric::HeapGrowth},
        {"rss.peak", Metric::RssPeak},
        {"tasks.failed", Metric::TasksFailed},
        {"tasks.cancelled", Metric::TasksCancelled},
        {"tasks.total", Metric::TasksTotal},
        {"diagnostics", Metric::Diagnostics},
    }};
    for (const auto& [name, metric] : plain)
        if (text == QLatin1String(name))
            return MetricSpec{metric, {}, 0, text};
    static const QRegularExpression percentileName(QStringLiteral("^p%1$").arg(kNumber));
    if (text.startsWith(QLatin1String("lag.p"))) {
        const double p = percentileNamed(text.mid(5));
        if (p == 0)
            return QStringLiteral(
                       "'%1' is not a percentile: use lag.p50, lag.p90, lag.p95, lag.p99 or lag.p999")
                .arg(text);
        return MetricSpec{Metric::LagPercentile, {}, p, text};
    }
    const qsizetype open = text.indexOf(u'(');
    if (open < 0) {
        if (percentileName.match(text).hasMatch() || text == QLatin1String("max") ||
            text == QLatin1String("mean") || text == QLatin1String("count"))
            return QStringLiteral("%1 needs the name of a latency metric, like %1(fetch)").arg(text);
        return QStringLiteral("unknown metric '%1' (metrics: %2)")
            .arg(text, budgetMetricNames().join(QStringLiteral(", ")));
    }
    const QString head = text.left(open).trimmed();
    const qsizetype close = text.lastIndexOf(u')');
    if (close < open)
        return QStringLiteral("missing ')' in '%1'").arg(text);
    if (const QString tail = text.mid(close + 1).trimmed(); !tail.isEmpty())
        return QStringLiteral("unexpected '%1' after '%2'").arg(tail, text.left(close + 1));
    MetricSpec spec;
    if (head == QLatin1String("max")) {
        spec.metric = Metric::LatencyMax;
    } else if (head == QLatin1String("mean")) {
        spec.metric = Metric::LatencyMean;
    } else if (head == QLatin1String("count")) {
        spec.metric = Metric::LatencyCount;
    } else if (percentileName.match(head).hasMatch()) {
        spec.metric = Metric::LatencyPercentile;
        spec.percentile = percentileNamed(head.mid(1));
        if (spec.percentile == 0)
            return QStringLiteral("'%1' is not a percentile: use p50, p90, p95, p99 or p99.9").arg(head);
    } else {
        return QStringLiteral("unknown function '%1' (use pN, max, mean or count, like p99(fetch))")
            .arg(head);
    }
    spec.name = text.mid(open + 1, close - open - 1).trimmed();
    if (spec.name.isEmpty())
        return QStringLiteral("%1() needs the name of a latency metric, like %1(fetch)").arg(head);
    spec.text = QString(head + u'(' + spec.name + u')');
    return spec;
}

/// The threshold in the metric's base unit; for rates also the time unit it was written in.
std::variant<double, QString> parseValue(const QString& value, Kind kind, const QString& metric,
                                         Budget& out) {
    const Shape shape = shapeOf(value);
    if (!shapeFits(shape, kind)) {
        if (shape == Shape::Number && (kind == Kind::Duration || kind == Kind::Size || kind == Kind::Rate))
            return QStringLiteral("'%1' has no unit, but %2 is %3 (%4)")
                .arg(value, metric, nounOf(kind), exampleOf(kind));
        if (shape != Shape::Unknown)
            return QStringLiteral("'%1' is %2, but %3 is %4 (%5)")
                .arg(value, shapeNoun(shape), metric, nounOf(kind), exampleOf(kind));
        // "0 extra": a good value followed by junk says more than "not a count".
        static const QRegularExpression blank(QStringLiteral("\\s+"));
        const qsizetype gap = value.indexOf(blank);
        if (gap > 0 && shapeFits(shapeOf(value.left(gap)), kind))
            return QStringLiteral("unexpected '%1' after '%2'")
                .arg(value.mid(gap).trimmed(), value.left(gap));
        return QStringLiteral("'%1' is not %2 (%3)").arg(value, nounOf(kind), exampleOf(kind));
    }
    switch (kind) {
    case Kind::Count: {
        bool ok = false;
        const qulonglong n = value.toULongLong(&ok);
        if (!ok) // a fraction, or more than 64 bits
            return QStringLiteral("'%1' is not a count (a whole number, %2)").arg(value, exampleOf(kind));
        return double(n);
    }
    case Kind::Duration:
        if (const auto ns = parseDuration(value))
            return double(ns->count());
        return QStringLiteral("'%1' is too long a duration").arg(value);
    case Kind::Size:
        if (const auto bytes = parseBytes(value))
            return double(*bytes);
        return QStringLiteral("'%1' is too large a size").arg(value);
    case Kind::Rate: {
        const qsizetype slash = value.indexOf(u'/');
        const auto bytes = parseBytes(value.left(slash));
        if (!bytes)
            return QStringLiteral("'%1' is too large a size").arg(value.left(slash).trimmed());
        out.rateUnit = value.mid(slash + 1).trimmed();
        out.rateUnitSeconds = rateUnitSeconds(out.rateUnit);
        return double(*bytes) / out.rateUnitSeconds;
    }
    case Kind::Severity:
        return double(*severityNamed(value));
    }
    return 0.0;
}

} // namespace

QStringList budgetMetricNames() {
    return {QStringLiteral("slow-callbacks"),  QStringLiteral("max-block"),   QStringLiteral("pN(NAME)"),
            QStringLiteral("max(NAME)"),       QStringLiteral("mean(NAME)"),  QStringLiteral("count(NAME)"),
            QStringLiteral("lag.pN"),          QStringLiteral("lag.max"),     QStringLiteral("rss.growth"),
            QStringLiteral("heap.growth"),     QStringLiteral("rss.peak"),    QStringLiteral("tasks.failed"),
            QStringLiteral("tasks.cancelled"), QStringLiteral("tasks.total"), QStringLiteral("diagnostics")};
}

std::variant<Budget, QString> parseBudget(const QString& expression) {
    auto error = [&](const QString& what) {
        return QStringLiteral("--fail-on '%1': %2").arg(expression, what);
    };
    const QString text = expression.trimmed();
    if (text.isEmpty())
        return error(QStringLiteral("empty expression (like slow-callbacks>0)"));
    // The operator is the first '<' or '>' outside parentheses: a latency metric's name is the
    // script's to choose, and "p99(a->b)>5ms" must split at the '>' after the name.
    qsizetype at = -1;
    qsizetype depth = 0;
    for (qsizetype i = 0; i < text.size() && at < 0; ++i) {
        const QChar c = text.at(i);
        if (c == u'(')
            ++depth;
        else if (c == u')' && depth > 0)
            --depth;
        else if (depth == 0 && (c == u'<' || c == u'>'))
            at = i;
    }
    if (at < 0 && depth > 0)
        return error(QStringLiteral("missing ')' in '%1'").arg(text));
    if (at < 0) {
        static const QRegularExpression otherOperator(QStringLiteral("[=!]+"));
        const QRegularExpressionMatch m = otherOperator.match(text.section(u')', -1));
        if (m.hasMatch())
            return error(QStringLiteral("'%1' is not an operator (use >, >=, < or <=)").arg(m.captured()));
        return error(QStringLiteral("missing an operator and a value (like slow-callbacks>0)"));
    }
    // Take in neighbouring operator characters, so "=>" or ">>" are named rather than misread.
    qsizetype begin = at;
    qsizetype end = at + 1;
    const QString operatorChars = QStringLiteral("<>=!");
    while (begin > 0 && operatorChars.contains(text.at(begin - 1)))
        --begin;
    while (end < text.size() && operatorChars.contains(text.at(end)))
        ++end;
    const QString op = text.mid(begin, end - begin);
    Budget budget;
    if (op == QLatin1String(">"))
        budget.op = Budget::Op::Greater;
    else if (op == QLatin1String(">="))
        budget.op = Budget::Op::GreaterOrEqual;
    else if (op == QLatin1String("<"))
        budget.op = Budget::Op::Less;
    else if (op == QLatin1String("<="))
        budget.op = Budget::Op::LessOrEqual;
    else
        return error(QStringLiteral("'%1' is not an operator (use >, >=, < or <=)").arg(op));
    const QString metricText = text.left(begin).trimmed();
    const QString value = text.mid(end).trimmed();
    if (metricText.isEmpty())
        return error(QStringLiteral("missing a metric before '%1'").arg(op));
    if (value.isEmpty())
        return error(QStringLiteral("missing a value after '%1'").arg(op));
    const auto metric = parseMetric(metricText);
    if (const QString* e = std::get_if<QString>(&metric))
        return error(*e);
    const MetricSpec& spec = std::get<MetricSpec>(metric);
    budget.metric = spec.metric;
    budget.kind = kindOf(spec.metric);
    budget.latencyName = spec.name;
    budget.percentile = spec.percentile;
    const auto threshold = parseValue(value, budget.kind, spec.text, budget);
    if (const QString* e = std::get_if<QString>(&threshold))
        return error(*e);
    budget.threshold = std::get<double>(threshold);
    budget.valueText = value;
    if (spec.metric == Metric::Diagnostics) {
        // "Any diagnostic at or above a severity": only > and >= say that, and > is >= the next.
        if (budget.op == Budget::Op::Less || budget.op == Budget::Op::LessOrEqual)
            return error(
                QStringLiteral("diagnostics takes >= or > and a severity, like diagnostics>=warning"));
        if (budget.op == Budget::Op::Greater) {
            if (budget.threshold >= double(Severity::Error))
                return error(QStringLiteral("no severity is above error (use diagnostics>=error)"));
            budget.threshold += 1;
            budget.op = Budget::Op::GreaterOrEqual;
        }
    }
    budget.text = QString(spec.text + op + value);
    return budget;
}

std::variant<std::vector<Budget>, QString> parseBudgets(const QStringList& expressions) {
    std::vector<Budget> budgets;
    for (const QString& expression : expressions) {
        auto parsed = parseBudget(expression);
        if (QString* e = std::get_if<QString>(&parsed))
            return std::move(*e);
        budgets.push_back(std::move(std::get<Budget>(parsed)));
    }
    return budgets;
}

} // namespace coroscope
