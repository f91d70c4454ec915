// The pieces of the window's views that hold their own logic, without a run: the Summary page
// and its models, the readable stack, the charts' ticks, colours and gaps.
#include "charts/chartstyle.h"
#include "charts/eventcharts.h"
#include "charts/timechart.h"
#include "models/toplistmodel.h"
#include "models/verdictmodel.h"
#include "panels/summarypage.h"
#include "report/readablestack.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QLabel>
#include <QSignalSpy>
#include <QTest>
#include <QTreeView>
#include <QValueAxis>

#include <cmath>

using namespace coroscope;
using namespace coroscope::ui;

namespace {

// A stack as the watchdog captures one for a script's blockFor() (trimmed).
const char* const kBlockForStack =
    "#0 __GI___clock_nanosleep (clock_nanosleep.c:48)\n"
    "#1 __GI___nanosleep (nanosleep.c:25)\n"
    "#2 void std::this_thread::sleep_for<long, std::ratio<1l, 1000000000l> >(std::chrono::duration<long, "
    "std::ratio<1l, 1000000000l> > const&) (this_thread_sleep.h:80) [inlined into "
    "coroscope::script::ScriptRuntime::blockFor(double, QString const&) at scriptruntime.cpp:367]\n"
    "#3 coroscope::script::ScriptRuntime::qt_metacall(QMetaObject::Call, int, void**) "
    "(moc_scriptruntime.cpp:345)\n"
    "#4 0x7f5a5b4d34f3 (libQt6Qml.so.6)\n"
    "#5 0x7f5a5b3cf0c6 (libQt6Qml.so.6)\n"
    "#6 QV4::QObjectMethod::callInternal(QV4::Value const*, QV4::Value const*, int) const (libQt6Qml.so.6)\n"
    "#7 drive (scriptdriver.cpp:103)\n"
    "#8 QTimer::timeout(QTimer::QPrivateSignal) (libQt6Core.so.6)\n";

Diagnostic finding(std::uint64_t id, const char* rule, Severity severity, const char* location,
                   const char* message, std::uint64_t task = 0) {
    Diagnostic d;
    d.id = id;
    d.rule = QString::fromLatin1(rule);
    d.severity = severity;
    d.location = QString::fromLatin1(location);
    d.message = QString::fromLatin1(message);
    d.taskId = task;
    d.taskName = task ? QStringLiteral("worker") : QString();
    return d;
}

} // namespace

class TestSummaryView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readableStackLeadsWithTheInterestingFrame();
    void verdictsGroupByRuleAndPlace();
    void topListBarsAreSharesOfTheLargest();
    void summarySaysYetOnlyWhileRunning();
    void ticksAreAtReadableValues();
    void seriesKeepTheirColour();
    void timeChartBreaksAtTimeGapsAndNamesEveryLine();
    void axesGrowFromFourToAMillion();
    void verdictsLeadToTheirLineOrTheirTask();
};

// A slow callback's verdict leads to its line; a memory-growth one (whose location is only where
// the task was spawned) to its task, as the user guide says.
void TestSummaryView::verdictsLeadToTheirLineOrTheirTask() {
    SummaryPage page;
    session::SessionData data;
    data.snapshot.diagnostics = {finding(1, "slow-callback", Severity::Warning, "a.js:4", "blocked", 7),
                                 finding(2, "memory-growth", Severity::Warning, "a.js:30", "grows", 9)};
    page.setSession(data, false);
    QSignalSpy lines(&page, &SummaryPage::locationActivated);
    QSignalSpy tasks(&page, &SummaryPage::taskActivated);
    for (int row = 0; row < page.verdicts().rowCount(); ++row)
        Q_EMIT page.verdictView().activated(page.verdicts().index(row, 0));
    QCOMPARE(lines.count(), 1);
    QCOMPARE(lines.at(0).at(0).toString(), QStringLiteral("a.js:4"));
    QCOMPARE(tasks.count(), 1);
    QCOMPARE(tasks.at(0).at(0).toULongLong(), 9ULL);
}

// Regression: an axis going from 0..4 to 0..1 000 000 with dynamic ticks took the old 1-wide
// interval over the new range first — a million tick items, minutes of the GUI thread (bench/gui
// hung opening a million-task session; ctest's timeout catches it here).
void TestSummaryView::axesGrowFromFourToAMillion() {
    TaskStateChart chart;
    chart.resize(600, 240);
    chart.show();
    std::array<double, 7> few{};
    few[std::size_t(TaskState::Suspended)] = 4;
    chart.setSamples({{0.0, few}, {1.0, few}});
    std::array<double, 7> many{};
    many[std::size_t(TaskState::Suspended)] = 1'000'000;
    chart.setSamples({{0.0, few}, {1.0, many}});
    auto* y = qobject_cast<QValueAxis*>(chart.chart()->axes(Qt::Vertical).front());
    QVERIFY(y);
    QVERIFY2(y->tickInterval() >= 250'000, qPrintable(QString::number(y->tickInterval())));
    chart.setSamples({{0.0, few}, {1.0, few}});
    QVERIFY2(y->tickInterval() >= 1 && y->tickInterval() <= 2,
             qPrintable(QString::number(y->tickInterval())));
    QCOMPARE(chart.layers(), 1);
}

// The stack pane and the HTML report lead with blockFor, not nanosleep; library frames without
// source lines fold into one line that says how many.
void TestSummaryView::readableStackLeadsWithTheInterestingFrame() {
    const QString stack = QString::fromLatin1(kBlockForStack);
    QCOMPARE(firstInterestingFrame(stack),
             QStringLiteral("#2 coroscope::script::ScriptRuntime::blockFor(double, QString const&) "
                            "(scriptruntime.cpp:367), inlined: std::this_thread::sleep_for"));
    const QStringList lines = readableStack(stack);
    QCOMPARE(lines.value(0),
             QStringLiteral("(2 runtime frames above folded: __GI___clock_nanosleep, __GI___nanosleep)"));
    QVERIFY(lines.value(1).startsWith(QStringLiteral("#2 coroscope::script::ScriptRuntime::blockFor")));
    QCOMPARE(lines.value(3), QStringLiteral("#4–#6 … 3 frames in libQt6Qml.so.6"));
    QCOMPARE(lines.value(4), QStringLiteral("#7 drive (scriptdriver.cpp:103)"));
    QCOMPARE(lines.size(), 6); // nothing dropped: 2 folded + #2 + #3 + 3 folded + #7 + #8
    // A stack of nothing but the runtime is shown whole.
    QCOMPARE(readableStack(QStringLiteral("#0 __GI___nanosleep (nanosleep.c:25)")),
             QStringList{QStringLiteral("#0 __GI___nanosleep (nanosleep.c:25)")});
}

// Ten slow callbacks at one line are one row "×10"; errors come first; a finding without a line
// groups by its task's name; each row leads where its worst finding does.
void TestSummaryView::verdictsGroupByRuleAndPlace() {
    VerdictModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    std::vector<Diagnostic> findings;
    for (std::uint64_t i = 1; i <= 3; ++i)
        findings.push_back(finding(i, "slow-callback", Severity::Warning, "a.js:4", "blocked 200 ms", 7));
    findings.push_back(finding(4, "slow-callback", Severity::Warning, "a.js:9", "blocked 150 ms", 8));
    findings.push_back(finding(5, "stuck-task", Severity::Error, "", "stuck on sleep", 9));
    QVERIFY(model.setDiagnostics(findings));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.findings(), 5);
    QCOMPARE(model.index(0, VerdictModel::Count).data().toString(), QStringLiteral("1"));
    QVERIFY(model.index(0, VerdictModel::Verdict)
                .data()
                .toString()
                .startsWith(QStringLiteral("[error] stuck-task")));
    QCOMPARE(model.index(0, VerdictModel::Where).data().toString(), QStringLiteral("task 'worker'"));
    QCOMPARE(model.index(0, 0).data(VerdictModel::TaskIdRole).toULongLong(), 9ULL);
    QCOMPARE(model.index(1, VerdictModel::Count).data().toString(), QStringLiteral("3"));
    QCOMPARE(model.index(1, VerdictModel::Where).data().toString(), QStringLiteral("a.js:4"));
    QCOMPARE(model.rowCount(model.index(1, 0)), 3); // its findings below it
    QCOMPARE(model.index(1, 0).data(Qt::DecorationRole).value<QColor>(),
             VerdictModel::severityColor(Severity::Warning));
    // The same findings again change nothing (a live run's ten views a second keep the view's state).
    QVERIFY(!model.setDiagnostics(findings));
    findings.pop_back();
    QVERIFY(model.setDiagnostics(findings));
    QCOMPARE(model.rowCount(), 2);
    QVERIFY(model.setDiagnostics({}));
    QCOMPARE(model.rowCount(), 0);
}

void TestSummaryView::topListBarsAreSharesOfTheLargest() {
    TopListModel model(QStringLiteral("Busy"), QStringLiteral("Spawned at"));
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRows({{QStringLiteral("a #1"), 400, QStringLiteral("400 ms"), QStringLiteral("x.js:1"), 1ULL},
                   {QStringLiteral("b #2"), 100, QStringLiteral("100 ms"), QStringLiteral("x.js:2"), 2ULL}});
    QCOMPARE(model.index(0, TopListModel::Value).data(TopListModel::FractionRole).toDouble(), 1.0);
    QCOMPARE(model.index(1, TopListModel::Value).data(TopListModel::FractionRole).toDouble(), 0.25);
    QCOMPARE(model.index(1, TopListModel::Name).data(TopListModel::TargetRole).toULongLong(), 2ULL);
    QCOMPARE(model.headerData(TopListModel::Detail, Qt::Horizontal).toString(), QStringLiteral("Spawned at"));
}

// "No problem found yet" while a runner writes the session; without "yet" once it is over. A
// session that is unfinished while its runner runs says "running", not "unfinished".
void TestSummaryView::summarySaysYetOnlyWhileRunning() {
    SummaryPage page;
    session::SessionData data;
    data.info.script = QStringLiteral("a.js");
    data.info.status = RunStatus::Unfinished;
    page.setSession(data, true);
    QVERIFY2(page.text().contains(QStringLiteral("Status: running")), qPrintable(page.text()));
    QVERIFY(page.text().contains(QStringLiteral("No diagnostic rule found a problem yet.")));
    data.info.status = RunStatus::Completed;
    data.finished = true;
    page.setSession(data, false);
    QVERIFY(page.text().contains(QStringLiteral("Status: completed")));
    QVERIFY2(page.text().contains(QStringLiteral("No diagnostic rule found a problem.")),
             qPrintable(page.text()));
    // An ongoing slow callback of a run that is over (a killed runner) is not "blocked now".
    SlowCallback ongoing;
    ongoing.ongoing = true;
    ongoing.durationNs = 1'500'000'000;
    data.snapshot.slowCallbacks.push_back(ongoing);
    page.setSession(data, false);
    QVERIFY(!page.text().contains(QStringLiteral("blocked now")));
    data.finished = false;
    page.setSession(data, true);
    QVERIFY(page.text().contains(QStringLiteral("The loop is blocked now")));
    QVERIFY(page.text().contains(QStringLiteral("Worst block: 1.50 s")));
    page.clear();
    QVERIFY(!page.text().contains(QStringLiteral("blocked now")));
    QVERIFY(page.text().contains(QStringLiteral("Worst block: —")));
}

// Ticks at 1-2-2.5-5 multiples, labelled with the decimals they need (0.25 is not "0.3").
void TestSummaryView::ticksAreAtReadableValues() {
    QCOMPARE(niceTickInterval(1.0, 4), 0.25);
    QCOMPARE(niceTickInterval(10.0, 5), 2.0);
    QCOMPARE(niceTickInterval(800.9, 4), 250.0);
    QCOMPARE(niceTickInterval(0.003, 3), 0.001);
    QValueAxis axis;
    setNiceTicks(&axis, 0, 1.0, 4, QStringLiteral("s"));
    QCOMPARE(axis.tickInterval(), 0.25);
    QCOMPARE(axis.labelFormat(), QStringLiteral("%.2f s"));
    setNiceTicks(&axis, 0, 801, 4, QString());
    QCOMPARE(axis.max(), 1000.0); // widened to a whole interval: the top tick is labelled
    QCOMPARE(axis.labelFormat(), QStringLiteral("%.0f"));
}

void TestSummaryView::seriesKeepTheirColour() {
    // By name, whatever came before: the same p99 in every chart and every run.
    QCOMPARE(seriesColor(QStringLiteral("p99"), 0), seriesColor(QStringLiteral("p99"), 5));
    QVERIFY(seriesColor(QStringLiteral("p99")) != seriesColor(QStringLiteral("p50")));
    TimeChart first(QStringLiteral("a"), QStringLiteral("ms"));
    first.setLines({{QStringLiteral("p99"), {{0, 1}, {1, 2}}}});
    TimeChart second(QStringLiteral("b"), QStringLiteral("ms"));
    second.setLines({{QStringLiteral("p50"), {{0, 1}, {1, 2}}},
                     {QStringLiteral("p90"), {{0, 1}}},
                     {QStringLiteral("p99"), {{0, 1}, {1, 2}}}});
    QCOMPARE(first.lineColor(QStringLiteral("p99")), second.lineColor(QStringLiteral("p99")));
}

// No line across a span without samples (the loop was blocked); every line in the legend, one
// entry each however many stretches it has.
void TestSummaryView::timeChartBreaksAtTimeGapsAndNamesEveryLine() {
    TimeChart chart(QStringLiteral("metric"), QStringLiteral("ms"));
    chart.resize(600, 240);
    chart.show(); // legend markers are laid out (and visible) once shown
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    // Samples every 0.1 s, none from 0.2 s to 0.95 s.
    chart.setLines({{QStringLiteral("p50"), {{0.0, 1}, {0.1, 1}, {0.2, 1}, {0.95, 1}, {1.05, 1}}},
                    {QStringLiteral("max"), {{0.0, 2}, {0.1, 3}, {0.2, 2}, {0.95, 800}, {1.05, 2}}},
                    {QStringLiteral("p99"), {}}});
    QCOMPARE(chart.stretchesDrawn(), 5); // 2 + 2 + the empty p99
    QTRY_COMPARE(chart.legendEntries(), 3);
    QCOMPARE(chart.pointsDrawn(), 10);
    // A line sampled once a second is one line: its own cadence is a second.
    chart.setLines({{QStringLiteral("p50"), {{0, 1}, {1, 1}, {2, 1}, {3, 1}}}});
    QCOMPARE(chart.stretchesDrawn(), 1);
    QVERIFY(chart.minimumHeight() >= 180);
}

QTEST_MAIN(TestSummaryView)
#include "test_summaryview.moc"
