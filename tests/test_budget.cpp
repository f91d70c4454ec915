// CI budgets (--fail-on): expressions parsed, malformed ones rejected with their exact messages,
// evaluated on a hand-built session, and the JUnit XML they give. test_budgetcli runs them through
// the real binary.
#include "junitsupport.h"
#include "report/budget.h"

#include <QTest>

#include <cmath>

using namespace coroscope;
using namespace coroscope::test;
using Metric = Budget::Metric;
using Op = Budget::Op;
using Outcome = BudgetResult::Outcome;

Q_DECLARE_METATYPE(Budget::Metric)
Q_DECLARE_METATYPE(Budget::Op)
Q_DECLARE_METATYPE(BudgetResult::Outcome)

namespace {

constexpr double kMs = 1e6;
constexpr double kMiB = 1024.0 * 1024;

Budget parsed(const QString& expression) {
    auto result = parseBudget(expression);
    if (const QString* error = std::get_if<QString>(&result))
        qFatal("%s", qPrintable(*error));
    return std::get<Budget>(result);
}

/// A run to check budgets against: two slow callbacks, two latency metrics, some loop lag,
/// growing memory, failed and cancelled tasks, an info and a warning diagnostic.
session::SessionData sampleRun() {
    session::SessionData data;
    data.info.slowThresholdNs = 100'000'000;
    RunSnapshot& s = data.snapshot;
    s.slowCallbacks.resize(2);
    s.slowCallbacks[0].durationNs = 150'000'000;
    s.slowCallbacks[1].durationNs = 320'000'000;
    s.latency.resize(2);
    s.latency[0].name = QStringLiteral("fetch");
    for (int i = 1; i <= 100; ++i)
        s.latency[0].micros.record(20 * i); // 20 µs .. 2 ms: below 2048 µs every value is exact
    s.latency[1].name = QStringLiteral("db");
    s.latency[1].micros.record(5);
    s.loopLagMicros.record(500, 99);
    s.loopLagMicros.record(30'000);
    s.memoryStats.rssGrowthBytesPerSecond = kMiB; // 60 MiB/min
    s.memoryStats.heapGrowthBytesPerSecond = 0;
    s.memoryStats.growthSpanNs = 5'000'000'000;
    s.memoryStats.rssPeakBytes = std::int64_t(300 * kMiB);
    s.tasksByState[std::size_t(TaskState::Failed)] = 2;
    s.tasksByState[std::size_t(TaskState::Cancelled)] = 1;
    s.tasksTotal = 40;
    s.diagnostics.resize(2);
    s.diagnostics[0].severity = Severity::Info;
    s.diagnostics[1].severity = Severity::Warning;
    return data;
}

} // namespace

class TestBudget : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parses_data();
    void parses();
    void rejectsMalformed_data();
    void rejectsMalformed();
    void parseBudgetsStopsAtTheFirstMalformed();
    void evaluates_data();
    void evaluates();
    void budgetsTheRunCannotDecideAreSkipped();
    void junitHasOneCaseEachAndEscapes();
};

void TestBudget::parses_data() {
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("text");
    QTest::addColumn<Metric>("metric");
    QTest::addColumn<Op>("op");
    QTest::addColumn<double>("threshold");
    QTest::addColumn<QString>("name");
    QTest::addColumn<double>("percentile");
    auto row = [](const char* expr, const char* text, Metric m, Op op, double threshold,
                  const char* name = "", double p = 0) {
        QTest::newRow(expr) << QString::fromUtf8(expr) << QString::fromUtf8(text) << m << op << threshold
                            << QString::fromUtf8(name) << p;
    };
    // The examples.
    row("slow-callbacks>0", "slow-callbacks>0", Metric::SlowCallbacks, Op::Greater, 0);
    row("max-block>200ms", "max-block>200ms", Metric::MaxBlock, Op::Greater, 200 * kMs);
    row("p99(fetch)>50ms", "p99(fetch)>50ms", Metric::LatencyPercentile, Op::Greater, 50 * kMs, "fetch", 99);
    row("lag.p99>20ms", "lag.p99>20ms", Metric::LagPercentile, Op::Greater, 20 * kMs, "", 99);
    row("rss.growth>10MiB/min", "rss.growth>10MiB/min", Metric::RssGrowth, Op::Greater, 10 * kMiB / 60);
    row("tasks.failed>0", "tasks.failed>0", Metric::TasksFailed, Op::Greater, 0);
    row("diagnostics>=warning", "diagnostics>=warning", Metric::Diagnostics, Op::GreaterOrEqual,
        double(Severity::Warning));
    // Every operator, and blanks anywhere between the parts.
    row("tasks.total<10", "tasks.total<10", Metric::TasksTotal, Op::Less, 10);
    row("tasks.total<=10", "tasks.total<=10", Metric::TasksTotal, Op::LessOrEqual, 10);
    row("tasks.total>=10", "tasks.total>=10", Metric::TasksTotal, Op::GreaterOrEqual, 10);
    row("  p99( fetch ) >= 50ms ", "p99(fetch)>=50ms", Metric::LatencyPercentile, Op::GreaterOrEqual,
        50 * kMs, "fetch", 99);
    row("max-block > 1.5 s", "max-block>1.5 s", Metric::MaxBlock, Op::Greater, 1500 * kMs);
    // Every metric.
    row("p50(a)<1ms", "p50(a)<1ms", Metric::LatencyPercentile, Op::Less, kMs, "a", 50);
    row("p90(a)>1ms", "p90(a)>1ms", Metric::LatencyPercentile, Op::Greater, kMs, "a", 90);
    row("p95(a)>1ms", "p95(a)>1ms", Metric::LatencyPercentile, Op::Greater, kMs, "a", 95);
    row("p99.9(a)>1ms", "p99.9(a)>1ms", Metric::LatencyPercentile, Op::Greater, kMs, "a", 99.9);
    row("p999(a)>1ms", "p999(a)>1ms", Metric::LatencyPercentile, Op::Greater, kMs, "a", 99.9);
    row("max(a)>2s", "max(a)>2s", Metric::LatencyMax, Op::Greater, 2000 * kMs, "a");
    row("mean(a)>250us", "mean(a)>250us", Metric::LatencyMean, Op::Greater, 0.25 * kMs, "a");
    row("count(a)<5", "count(a)<5", Metric::LatencyCount, Op::Less, 5, "a");
    row("lag.p50>1ms", "lag.p50>1ms", Metric::LagPercentile, Op::Greater, kMs, "", 50);
    row("lag.p999>1ms", "lag.p999>1ms", Metric::LagPercentile, Op::Greater, kMs, "", 99.9);
    row("lag.max>1m", "lag.max>1m", Metric::LagMax, Op::Greater, 60'000 * kMs);
    row("heap.growth>1MB/s", "heap.growth>1MB/s", Metric::HeapGrowth, Op::Greater, kMiB);
    row("rss.growth>1GiB/h", "rss.growth>1GiB/h", Metric::RssGrowth, Op::Greater, 1024 * kMiB / 3600);
    row("rss.peak>512MiB", "rss.peak>512MiB", Metric::RssPeak, Op::Greater, 512 * kMiB);
    row("tasks.cancelled>3", "tasks.cancelled>3", Metric::TasksCancelled, Op::Greater, 3);
    row("diagnostics>=error", "diagnostics>=error", Metric::Diagnostics, Op::GreaterOrEqual,
        double(Severity::Error));
    // "> info" is "at warning or above".
    row("diagnostics>info", "diagnostics>info", Metric::Diagnostics, Op::GreaterOrEqual,
        double(Severity::Warning));
    row("diagnostics>=Warning", "diagnostics>=Warning", Metric::Diagnostics, Op::GreaterOrEqual,
        double(Severity::Warning));
    // A script's metric name may hold operators and blanks: the split is after the parenthesis.
    row("p99(GET /a->b)>5ms", "p99(GET /a->b)>5ms", Metric::LatencyPercentile, Op::Greater, 5 * kMs,
        "GET /a->b", 99);
}

void TestBudget::parses() {
    QFETCH(QString, expression);
    auto result = parseBudget(expression);
    // QVERIFY2 evaluates its message whatever the outcome.
    if (const QString* error = std::get_if<QString>(&result))
        QFAIL(qPrintable(*error));
    const Budget& b = std::get<Budget>(result);
    QTEST(b.text, "text");
    QTEST(b.metric, "metric");
    QTEST(b.op, "op");
    QFETCH(double, threshold);
    QVERIFY2(std::abs(b.threshold - threshold) < 1e-6 * std::max(1.0, threshold),
             qPrintable(QString::number(b.threshold)));
    QTEST(b.latencyName, "name");
    QTEST(b.percentile, "percentile");
}

void TestBudget::rejectsMalformed_data() {
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("error");
    auto row = [](const char* expr, const char* error) {
        QTest::newRow(expr) << QString::fromUtf8(expr)
                            << QString(QStringLiteral("--fail-on '") + QString::fromUtf8(expr) +
                                       QStringLiteral("': ") + QString::fromUtf8(error));
    };
    row("", "empty expression (like slow-callbacks>0)");
    row("   ", "empty expression (like slow-callbacks>0)");
    row("latency>5ms", "unknown metric 'latency' (metrics: slow-callbacks, max-block, pN(NAME), max(NAME), "
                       "mean(NAME), count(NAME), lag.pN, lag.max, rss.growth, heap.growth, rss.peak, "
                       "tasks.failed, tasks.cancelled, tasks.total, diagnostics)");
    row("slow-callbacks", "missing an operator and a value (like slow-callbacks>0)");
    row("p99(fetch) 50ms", "missing an operator and a value (like slow-callbacks>0)");
    row("tasks.failed=0", "'=' is not an operator (use >, >=, < or <=)");
    row("tasks.failed==0", "'==' is not an operator (use >, >=, < or <=)");
    row("tasks.failed=>0", "'=>' is not an operator (use >, >=, < or <=)");
    row("slow-callbacks>>0", "'>>' is not an operator (use >, >=, < or <=)");
    row("slow-callbacks<>0", "'<>' is not an operator (use >, >=, < or <=)");
    row("slow-callbacks>", "missing a value after '>'");
    row(">=5", "missing a metric before '>='");
    row("slow-callbacks>x", "'x' is not a count (like 0)");
    row("slow-callbacks>1.5", "'1.5' is not a count (a whole number, like 0)");
    row("slow-callbacks>-1", "'-1' is not a count (like 0)");
    row("p99(fetch)>fast", "'fast' is not a duration (like 50ms)");
    row("p99(fetch)>50", "'50' has no unit, but p99(fetch) is a duration (like 50ms)");
    row("max-block>10MiB", "'10MiB' is a size, but max-block is a duration (like 50ms)");
    row("rss.peak>5s", "'5s' is a duration, but rss.peak is a size (like 512MiB)");
    row("rss.peak>512", "'512' has no unit, but rss.peak is a size (like 512MiB)");
    row("rss.growth>10MiB", "'10MiB' is a size, but rss.growth is a size per time (like 10MiB/min)");
    row("rss.growth>10MiB/fortnight", "'10MiB/fortnight' is not a size per time (like 10MiB/min)");
    row("slow-callbacks>5ms", "'5ms' is a duration, but slow-callbacks is a count (like 0)");
    row("diagnostics>=5", "'5' is a plain number, but diagnostics is a severity (info, warning or error)");
    row("diagnostics>=loud", "'loud' is not a severity (info, warning or error)");
    row("diagnostics<warning", "diagnostics takes >= or > and a severity, like diagnostics>=warning");
    row("diagnostics>error", "no severity is above error (use diagnostics>=error)");
    row("p99()>5ms", "p99() needs the name of a latency metric, like p99(fetch)");
    row("p99( )>5ms", "p99() needs the name of a latency metric, like p99(fetch)");
    row("p99>5ms", "p99 needs the name of a latency metric, like p99(fetch)");
    row("p42(x)>5ms", "'p42' is not a percentile: use p50, p90, p95, p99 or p99.9");
    row("lag.p42>5ms", "'lag.p42' is not a percentile: use lag.p50, lag.p90, lag.p95, lag.p99 or lag.p999");
    row("median(fetch)>5ms", "unknown function 'median' (use pN, max, mean or count, like p99(fetch))");
    row("p99(fetch>5ms", "missing ')' in 'p99(fetch>5ms'");
    row("p99(fetch)x>5ms", "unexpected 'x' after 'p99(fetch)'");
    // Trailing junk after a good value.
    row("slow-callbacks>0 extra", "unexpected 'extra' after '0'");
    row("max-block>200ms and more", "unexpected 'and more' after '200ms'");
    row("slow-callbacks>0>1", "'0>1' is not a count (like 0)");
    row("slow-callbacks>99999999999999999999",
        "'99999999999999999999' is not a count (a whole number, like 0)");
}

void TestBudget::rejectsMalformed() {
    QFETCH(QString, expression);
    auto result = parseBudget(expression);
    if (const Budget* b = std::get_if<Budget>(&result))
        QFAIL(qPrintable(QString(QStringLiteral("parsed as ") + b->text)));
    QTEST(std::get<QString>(result), "error");
}

void TestBudget::parseBudgetsStopsAtTheFirstMalformed() {
    auto ok = parseBudgets({QStringLiteral("slow-callbacks>0"), QStringLiteral("tasks.failed>0")});
    QVERIFY(std::holds_alternative<std::vector<Budget>>(ok));
    QCOMPARE(std::get<std::vector<Budget>>(ok).size(), std::size_t(2));
    auto bad = parseBudgets(
        {QStringLiteral("slow-callbacks>0"), QStringLiteral("p99(x)>fast"), QStringLiteral("nonsense")});
    QCOMPARE(std::get<QString>(bad),
             QStringLiteral("--fail-on 'p99(x)>fast': 'fast' is not a duration (like 50ms)"));
}

void TestBudget::evaluates_data() {
    QTest::addColumn<QString>("expression");
    QTest::addColumn<Outcome>("outcome");
    QTest::addColumn<QString>("measured");
    auto row = [](const char* expr, Outcome o, const char* measured) {
        QTest::newRow(expr) << QString::fromUtf8(expr) << o << QString::fromUtf8(measured);
    };
    row("slow-callbacks>0", Outcome::Violated, "2");
    row("slow-callbacks>2", Outcome::Passed, "2");
    row("slow-callbacks>=2", Outcome::Violated, "2");
    row("max-block>200ms", Outcome::Violated, "320 ms");
    row("max-block>1s", Outcome::Passed, "320 ms");
    row("p99(fetch)>1ms", Outcome::Violated, "1.98 ms");
    row("p99(fetch)>5ms", Outcome::Passed, "1.98 ms");
    row("p50(fetch)<=1ms", Outcome::Violated, "1.00 ms");
    row("max(fetch)>=2ms", Outcome::Violated, "2.00 ms");
    row("mean(fetch)<1ms", Outcome::Passed, "1.01 ms");
    row("count(fetch)<100", Outcome::Passed, "100");
    row("count(fetch)<=100", Outcome::Violated, "100");
    row("p99(db)>1ms", Outcome::Passed, "5.0 µs");
    row("p99(fecth)>5ms", Outcome::Violated, "no metric named 'fecth' in this run; it has: fetch, db");
    row("lag.p99>20ms", Outcome::Passed, "500 µs");
    row("lag.p999>20ms", Outcome::Violated, "30.0 ms");
    row("lag.max>20ms", Outcome::Violated, "30.0 ms");
    row("rss.growth>10MiB/min", Outcome::Violated, "60.0 MiB/min");
    row("rss.growth>2MiB/s", Outcome::Passed, "1.0 MiB/s");
    row("heap.growth>1KiB/s", Outcome::Passed, "0 B/s");
    row("rss.peak>256MiB", Outcome::Violated, "300.0 MiB");
    row("rss.peak>1GiB", Outcome::Passed, "300.0 MiB");
    row("tasks.failed>0", Outcome::Violated, "2");
    row("tasks.cancelled>1", Outcome::Passed, "1");
    row("tasks.total>=40", Outcome::Violated, "40");
    row("diagnostics>=warning", Outcome::Violated, "1 diagnostic at warning or above");
    row("diagnostics>info", Outcome::Violated, "1 diagnostic at warning or above");
    row("diagnostics>=info", Outcome::Violated, "2 diagnostics at info or above");
    row("diagnostics>=error", Outcome::Passed, "0 diagnostics at error or above");
}

void TestBudget::evaluates() {
    QFETCH(QString, expression);
    QFETCH(Outcome, outcome);
    QFETCH(QString, measured);
    const BudgetResult r = evaluate(parsed(expression), sampleRun());
    QCOMPARE(r.expression, expression);
    QCOMPARE(r.measured, measured);
    QCOMPARE(int(r.outcome), int(outcome));
    QCOMPARE(r.violated(), outcome == Outcome::Violated);
    if (outcome == Outcome::Passed)
        QCOMPARE(budgetLine(r), QString());
    else if (r.value)
        QCOMPARE(budgetLine(r),
                 QStringLiteral("budget violated: %1 (measured %2)").arg(expression, measured));
    else // a missing metric: nothing was measured, the line says why
        QCOMPARE(budgetLine(r), QStringLiteral("budget violated: %1 (%2)").arg(expression, measured));
}

void TestBudget::budgetsTheRunCannotDecideAreSkipped() {
    session::SessionData data = sampleRun();
    data.snapshot.slowCallbacks.clear();
    // No callback over the 100 ms threshold: the longest is in [0, 100 ms).
    const BudgetResult over = evaluate(parsed(QStringLiteral("max-block>200ms")), data);
    QCOMPARE(int(over.outcome), int(Outcome::Passed));
    QCOMPARE(over.measured, QStringLiteral("no callback over the slow threshold (100 ms)"));
    QCOMPARE(int(evaluate(parsed(QStringLiteral("max-block<1s")), data).outcome), int(Outcome::Violated));
    const BudgetResult under = evaluate(parsed(QStringLiteral("max-block>50ms")), data);
    QCOMPARE(int(under.outcome), int(Outcome::Skipped));
    QVERIFY(!under.value);
    QCOMPARE(
        budgetLine(under),
        QStringLiteral("budget skipped: max-block>50ms (no callback over the slow threshold (100 ms), and "
                       "shorter ones are not recorded: lower --slow-threshold to check this budget)"));
    // Memory sampled for half a second: start-up, not a growth rate.
    data.snapshot.memoryStats.growthSpanNs = 500'000'000;
    const BudgetResult growth = evaluate(parsed(QStringLiteral("rss.growth>10MiB/min")), data);
    QCOMPARE(int(growth.outcome), int(Outcome::Skipped));
    QCOMPARE(growth.measured, QStringLiteral("memory was sampled over 500 ms only; a growth rate needs 1 s"));
    // A run that recorded no latency at all says so.
    data.snapshot.latency.clear();
    QCOMPARE(evaluate(parsed(QStringLiteral("p99(fetch)>1ms")), data).measured,
             QStringLiteral("no metric named 'fetch' in this run; it recorded none"));
}

void TestBudget::junitHasOneCaseEachAndEscapes() {
    session::SessionData data = sampleRun();
    // Metric names are the script's: markup, quotes and a control character XML cannot carry.
    const QString weird = QStringLiteral("a<b & \"c\" 'd' \x01 e");
    data.snapshot.latency[1].name = weird;
    const std::vector<Budget> budgets{
        parsed(QStringLiteral("slow-callbacks>0")), parsed(QStringLiteral("tasks.total>100")),
        parsed(QString(QStringLiteral("max(") + weird + QStringLiteral(")>1us"))),
        parsed(QStringLiteral("p99(</testcase>)>1ms"))};
    data.snapshot.memoryStats.growthSpanNs = 0;
    std::vector<BudgetResult> results = evaluate(budgets, data);
    results.push_back(evaluate(parsed(QStringLiteral("rss.growth>1MiB/s")), data));
    const QByteArray xml = budgetsJUnit(results);
    QVERIFY(xml.contains(
        "<testsuite name=\"coroscope budgets\" tests=\"5\" failures=\"3\" errors=\"0\" skipped=\"1\">"));
    const std::vector<TestCase> cases = readJUnit(xml);
    QCOMPARE(cases.size(), std::size_t(5));
    QCOMPARE(cases[0].name, QStringLiteral("slow-callbacks>0"));
    QCOMPARE(cases[0].failure, QStringLiteral("measured 2, budget slow-callbacks>0"));
    QCOMPARE(cases[1].failure, QString());
    QVERIFY(!cases[1].skipped);
    const QString safe = QString(weird).replace(u'\x01', QChar::ReplacementCharacter);
    QCOMPARE(cases[2].name, QString(QStringLiteral("max(") + safe + QStringLiteral(")>1us")));
    QCOMPARE(cases[2].failure,
             QString(QStringLiteral("measured 5.0 µs, budget max(") + safe + QStringLiteral(")>1us")));
    QCOMPARE(cases[3].name, QStringLiteral("p99(</testcase>)>1ms"));
    QVERIFY(cases[3].failure.startsWith(
        QStringLiteral("no metric named '</testcase>' in this run; it has: fetch, ")));
    QVERIFY(cases[4].skipped);
    // Nothing to check is still a valid, empty suite.
    QVERIFY(budgetsJUnit({}).contains("tests=\"0\" failures=\"0\""));
    QCOMPARE(readJUnit(budgetsJUnit({})).size(), std::size_t(0));
}

QTEST_GUILESS_MAIN(TestBudget)
#include "test_budget.moc"
