// The desktop window, offscreen: open an example, run it to the end, check what each panel shows
// against the session, export a report, reopen the saved session, and the crash banner.
// COROSCOPE_SCREENSHOT_DIR=dir saves what the window looked like (for a human to look at).
#include "charts/eventcharts.h"
#include "charts/timechart.h"
#include "dialogs/comparedialog.h"
#include "dialogs/runsettingsdialog.h"
#include "mainwindow/mainwindow.h"
#include "model/format.h"
#include "models/latencymodel.h"
#include "models/slowcallbackmodel.h"
#include "models/tasktablemodel.h"
#include "models/toplistmodel.h"
#include "models/verdictmodel.h"
#include "panels/scripteditor.h"
#include "panels/summarypage.h"
#include "panels/tasktimeline.h"
#include "reading/sessionreader.h"
#include "report/reportformat.h"
#include "run/taskstoreworker.h"
#include "scriptfile.h"
#include "session/sqlite.h"
#include "syntheticsession.h"
#include "testsupport.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QBuffer>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QValueAxis>

#include <csignal>
#include <sys/syscall.h>
#include <unistd.h>

using namespace coroscope;
using namespace coroscope::ui;
using namespace std::chrono_literals;

namespace {

void screenshot(QWidget& window, const char* name) {
    const QByteArray dir = qgetenv("COROSCOPE_SCREENSHOT_DIR");
    if (dir.isEmpty())
        return;
    QTest::qWait(300); // the charts lay out their scenes on the next loop iterations
    if (!dir.isEmpty())
        window.grab().save(QString::fromLocal8Bit(dir) + u'/' + QLatin1String(name) + QStringLiteral(".png"));
}

bool runFinished(MainWindow& w) {
    return !w.runner().isRunning() && w.tail().latest() && w.tail().latest()->finished;
}

/// Every read the task views asked the worker for has come back.
bool settled(MainWindow& w) {
    return w.taskModel().isSettled() && w.heapTaskModel().isSettled() && w.timeline().isSettled() &&
           w.taskStore().pending() == 0;
}

/// Exports from the window and waits for the worker: the error, empty on success.
QString exportAndWait(MainWindow& w, const QString& path) {
    std::optional<QString> result;
    const auto c = QObject::connect(&w, &MainWindow::exported, [&](const QString& p, const QString& error) {
        if (p == path)
            result = error;
    });
    w.exportReport(path);
    test::spinUntil([&] { return result.has_value(); }, 30s);
    QObject::disconnect(c);
    return result.value_or(QStringLiteral("timed out"));
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void runsAnExampleAndShowsWhatItFound();
    void crashedRunShowsTheBannerAndKeepsTheData();
    void overviewSaysTheLoopIsBlockedNow();
    void overviewSaysWhatIsMissing();
    void timeChartBreaksAtGapsAndFitsItsPoints();
    void chartsFollowADarkPalette();
    void startPageRunsAnExampleWithTheRunSettings();
    void runSettingsRejectBadFields();
    void scriptIsEditedAndSaved();
    void aNewScriptOrSessionClearsWhatWasShown();
    void onlyTheChartsOnScreenFollowALiveRun();
};

// While a run goes on, a chart behind another view is not redrawn (drawing every chart on every
// read was the GUI thread's longest dispatch, bench/gui); brought to the front it is current in
// the next dispatch, and a finished run draws them all.
void TestMainWindow::onlyTheChartsOnScreenFollowALiveRun() {
    const QTemporaryDir dir;
    const QString script = test::writeScriptFile(
        dir, QStringLiteral("busy.js"),
        QStringLiteral("function* main() { for (let i = 0; i < 300; ++i) yield sleep(10); }\n"));
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    w.show();
    w.openScript(script);
    w.run();
    w.showView(MainWindow::View::EventLoop);
    QVERIFY(test::spinUntil([&] { return w.lagChart().pointsDrawn() >= 5 || runFinished(w); }, 30s));
    QVERIFY2(!runFinished(w), "the run ended before the test could look at it");
    QCOMPARE(w.memoryChart().pointsDrawn(), 0);
    QCOMPARE(w.stateChart().layers(), 0);
    QVERIFY(test::spinUntil([&] { return w.tail().latest()->snapshot.memory.size() >= 2 || runFinished(w); },
                            30s));

    w.showView(MainWindow::View::Memory);
    QCoreApplication::processEvents(); // drawn in the dispatch after the tab change, not on a later read
    const int lagPoints = w.lagChart().pointsDrawn();
    QVERIFY(w.memoryChart().pointsDrawn() >= 2);
    const int memoryPoints = w.memoryChart().pointsDrawn();
    QVERIFY(
        test::spinUntil([&] { return w.memoryChart().pointsDrawn() > memoryPoints || runFinished(w); }, 30s));
    if (!runFinished(w))
        QCOMPARE(w.lagChart().pointsDrawn(), lagPoints);

    QVERIFY(test::spinUntil([&] { return runFinished(w); }, 30s));
    QVERIFY(w.lagChart().pointsDrawn() > lagPoints);
    QVERIFY(w.stateChart().layers() > 0);
}

// Nothing of a previous run stays on screen next to a new script or another session: the stack
// pane, the tables, the charts, the log and the Summary are the new file's or empty.
void TestMainWindow::aNewScriptOrSessionClearsWhatWasShown() {
    const QTemporaryDir dir;
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    w.show();
    w.openScript(QStringLiteral("example:blocking-call"));
    w.run();
    QVERIFY(test::spinUntil([&] { return runFinished(w) && settled(w); }, 30s));
    const QString firstSession = w.tail().path();
    w.slowCallbackView().setCurrentIndex(w.slowCallbackView().model()->index(0, 0));
    QVERIFY(!w.stackText().isEmpty());
    QVERIFY(!w.logText().isEmpty());
    QVERIFY(w.lagChart().pointsDrawn() > 0);

    // Another script: every view empty until it runs.
    const QString quiet = dir.filePath(QStringLiteral("quiet.js"));
    {
        QFile file(quiet);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("function* main() { log('quiet one'); yield sleep(5); }\n");
    }
    w.openScript(quiet);
    QVERIFY(w.stackText().isEmpty());
    QCOMPARE(w.slowCallbackModel().rowCount(), 0);
    QCOMPARE(w.latencyModel().rowCount(), 0);
    QCOMPARE(w.lagChart().pointsDrawn(), 0);
    QCOMPARE(w.summary().verdicts().rowCount(), 0);
    QCOMPARE(w.summary().slowest().rowCount(), 0);
    QVERIFY(w.logText().isEmpty());
    QVERIFY2(w.overviewText().contains(QStringLiteral("press Run")), qPrintable(w.overviewText()));
    QVERIFY(!w.overviewText().contains(QStringLiteral("Status: completed")));
    QVERIFY(test::spinUntil([&] { return settled(w); }, 5s));
    QCOMPARE(w.taskModel().rowCount(), 0);

    // Its run: no slow callback, so no stack; its own log only; "yet" only while it runs.
    w.run();
    QVERIFY(test::spinUntil([&] { return runFinished(w) && settled(w); }, 30s));
    QCOMPARE(w.slowCallbackModel().rowCount(), 0);
    QVERIFY(w.stackText().isEmpty());
    QVERIFY2(w.logText().contains(QStringLiteral("quiet one")) &&
                 !w.logText().contains(QStringLiteral("suspect")),
             qPrintable(w.logText()));
    QVERIFY2(w.overviewText().contains(QStringLiteral("No diagnostic rule found a problem.")),
             qPrintable(w.overviewText()));

    // The first session opened again: its own log (from the session), not the quiet run's.
    QVERIFY(w.openSession(firstSession));
    QVERIFY(test::spinUntil([&] { return w.tail().latest() && settled(w); }, 10s));
    QVERIFY2(!w.logText().contains(QStringLiteral("quiet one")), qPrintable(w.logText()));
    QVERIFY2(w.logText().contains(QStringLiteral("suspect_coro finished")), qPrintable(w.logText()));
    QCOMPARE(w.slowCallbackModel().rowCount(), 1);
}

void TestMainWindow::scriptIsEditedAndSaved() {
    const QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("edit.js"));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("function* main() { yield sleep(1); }\n");
    }
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    w.openScript(path);
    QVERIFY(!w.scriptEditor().isReadOnly());
    w.scriptEditor().setPlainText(QStringLiteral("function* main() { yield sleep(2); }\n"));
    QVERIFY(w.saveScript());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), QByteArray("function* main() { yield sleep(2); }\n"));
}

// The start page: one click on an example opens and runs it, with Run > Settings applied.
void TestMainWindow::startPageRunsAnExampleWithTheRunSettings() {
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    w.setExamples({{QStringLiteral("blocking-call"), QStringLiteral("a coroutine calls a blocking sleep")},
                   {QStringLiteral("gather-fanout"), QStringLiteral("requests fanned out")}});
    w.show();
    QCOMPARE(w.startPage().exampleList()->count(), 2);
    w.runSettings().slowThreshold = 1000ms; // the 800 ms block is then not slow
    w.runSettings().seed = 5;
    QListWidgetItem* item = w.startPage().exampleList()->item(0);
    QTest::mouseClick(w.startPage().exampleList()->viewport(), Qt::LeftButton, {},
                      w.startPage().exampleList()->visualItemRect(item).center());
    QVERIFY(w.runner().isRunning());
    QVERIFY(test::spinUntil([&] { return runFinished(w); }, 30s));
    const session::SessionData& data = *w.tail().latest();
    QCOMPARE(data.info.script, QStringLiteral("example:blocking-call"));
    QCOMPARE(data.info.slowThresholdNs, std::int64_t(1'000'000'000));
    QCOMPARE(data.info.seed, std::uint64_t(5));
    QCOMPARE(w.slowCallbackModel().rowCount(), 0);
    QVERIFY(w.recentFiles().contains(QStringLiteral("example:blocking-call")));
    // Compare: the session against itself changes nothing; a bad file is named.
    QDialog* shown = nullptr;
    connect(&w, &MainWindow::compared, this, [&](QDialog* d) { shown = d; });
    w.compareSessions(w.tail().path(), w.tail().path());
    QVERIFY(test::spinUntil([&] { return shown != nullptr; }, 10s));
    auto* table = static_cast<CompareDialog*>(shown)->table();
    QVERIFY(table->rowCount() > 10);
    for (int row = 0; row < table->rowCount(); ++row)
        QVERIFY2(table->item(row, 7)->text() != QLatin1String("regression"),
                 qPrintable(table->item(row, 2)->text()));
}

void TestMainWindow::runSettingsRejectBadFields() {
    // Help > Scripting Reference: the documentation is compiled into the binary.
    QVERIFY(MainWindow::scriptingReference().contains(QStringLiteral("gatherSettled")));
    RunSettingsDialog dialog(RunRequest{});
    dialog.paramsEdit()->setText(QStringLiteral("a=1, oops"));
    QString error;
    QVERIFY(!dialog.apply(RunRequest{}, &error));
    QCOMPARE(error, QStringLiteral("Parameters: 'oops' is not key=value"));
    dialog.paramsEdit()->setText(QStringLiteral("a=1, b = 2"));
    dialog.seedEdit()->setText(QStringLiteral("x"));
    QVERIFY(!dialog.apply(RunRequest{}, &error));
    dialog.seedEdit()->setText(QStringLiteral("42"));
    dialog.thresholdBox()->setValue(250);
    const auto applied = dialog.apply(RunRequest{}, &error);
    QVERIFY(applied);
    QCOMPARE(applied->seed, std::optional<std::uint64_t>(42));
    QCOMPARE(applied->slowThreshold, 250ms);
    QCOMPARE(applied->params.size(), std::size_t(2));
    QCOMPARE(applied->params[1], (std::pair{QStringLiteral("b"), QStringLiteral("2")}));
}

// A blocked loop leaves windows without lag samples: the line breaks there instead of ramping
// across, and the lone point after the block still sets the scale.
void TestMainWindow::timeChartBreaksAtGapsAndFitsItsPoints() {
    TimeChart chart(QStringLiteral("lag"), QStringLiteral("ms"));
    const double gap = std::nan("");
    chart.setLines({{QStringLiteral("max"),
                     {{0, 0.7}, {0.07, 0.96}, {0.17, 0.67}, {0.28, gap}, {0.9, gap}, {1.0, 800.9}}}});
    QCOMPARE(chart.pointsDrawn(), 4);
    QCOMPARE(chart.chart()->series().size(), 2); // two stretches
    auto* y = qobject_cast<QValueAxis*>(chart.chart()->axes(Qt::Vertical).front());
    QVERIFY2(y && y->max() >= 800.9, qPrintable(QString::number(y ? y->max() : -1)));
}

// Qt Charts paint a light theme of their own: on a dark desktop they must not be white boxes.
void TestMainWindow::chartsFollowADarkPalette() {
    const QPalette light = QApplication::palette();
    QPalette dark = light;
    dark.setColor(QPalette::Window, QColor(0x20, 0x22, 0x25));
    dark.setColor(QPalette::Base, QColor(0x18, 0x19, 0x1b));
    dark.setColor(QPalette::WindowText, QColor(0xe8, 0xe8, 0xe8));
    QApplication::setPalette(dark);
    {
        TimeChart chart(QStringLiteral("lag"), QStringLiteral("ms"));
        QCOMPARE(chart.chart()->theme(), QChart::ChartThemeDark);
        QCOMPARE(chart.chart()->backgroundBrush().color(), dark.color(QPalette::Base));
        SlowCallbackScatter scatter;
        QCOMPARE(scatter.chart()->theme(), QChart::ChartThemeDark);
    }
    QApplication::setPalette(light);
    TimeChart chart(QStringLiteral("lag"), QStringLiteral("ms"));
    QCOMPARE(chart.chart()->theme(), QChart::ChartThemeLight);
}

void TestMainWindow::runsAnExampleAndShowsWhatItFound() {
    const QTemporaryDir dir;
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    // Every item model of the window, checked through the whole run.
    using Tester = QAbstractItemModelTester;
    const Tester testers[] = {{&w.taskModel(), Tester::FailureReportingMode::QtTest},
                              {&w.heapTaskModel(), Tester::FailureReportingMode::QtTest},
                              {&w.slowCallbackModel(), Tester::FailureReportingMode::QtTest},
                              {&w.latencyModel(), Tester::FailureReportingMode::QtTest}};
    w.show();
    w.openScript(QStringLiteral("example:blocking-call"));
    w.run();
    QVERIFY(w.runner().isRunning());
    QVERIFY(test::spinUntil([&] { return runFinished(w); }, 30s));
    QVERIFY(test::spinUntil([&] { return settled(w) && w.taskModel().rowCount() == 3; }, 10s));
    const session::SessionData data = session::readSession(w.tail().path());
    // Each panel against the session.
    QCOMPARE(w.taskModel().rowCount(), int(data.snapshot.tasks.size()));
    QCOMPARE(w.tail().latest()->snapshot.tasksTotal, std::uint64_t(3));
    for (int row = 0; row < 3; ++row) {
        QVERIFY(test::spinUntil([&] { return w.taskModel().taskAt(row) != nullptr; }, 5s));
        const TaskInfo& t = data.snapshot.tasks[std::size_t(row)];
        QCOMPARE(w.taskModel().data(w.taskModel().index(row, TaskTableModel::Name)).toString(), t.name);
        QCOMPARE(w.taskModel().data(w.taskModel().index(row, TaskTableModel::State)).toString(),
                 taskStateLabel(t.state));
        // Times from the run's start, which the runner writes only once its loop is up.
        QCOMPARE(w.taskModel().data(w.taskModel().index(row, TaskTableModel::Created)).toString(),
                 QString(u'+' + formatDuration(t.createdNs - data.info.startNs)));
    }
    // The heap table: by live heap, the most first, as the database sorted it.
    QCOMPARE(w.heapTaskModel().rowCount(), 3);
    QVERIFY(test::spinUntil([&] { return w.heapTaskModel().taskAt(0) && w.heapTaskModel().taskAt(2); }, 5s));
    QVERIFY(w.heapTaskModel().taskAt(0)->liveBytes >= w.heapTaskModel().taskAt(2)->liveBytes);
    QCOMPARE(w.slowCallbackModel().rowCount(), 1);
    QCOMPARE(
        w.slowCallbackModel().data(w.slowCallbackModel().index(0, SlowCallbackModel::Location)).toString(),
        data.snapshot.slowCallbacks[0].location);
    QVERIFY(w.slowCallbackModel()
                .data(w.slowCallbackModel().index(0, 0), SlowCallbackModel::StackRole)
                .toString()
                .contains(QStringLiteral("blockFor")));
    QVERIFY2(w.overviewText().contains(QStringLiteral("Slow callbacks: 1")), qPrintable(w.overviewText()));
    QVERIFY2(w.overviewText().contains(QStringLiteral("Worst block: 80")), qPrintable(w.overviewText()));
    QVERIFY(w.overviewText().contains(QStringLiteral("Status: completed")));
    QVERIFY2(w.overviewText().contains(QStringLiteral("No diagnostic rule")) ==
                 data.snapshot.diagnostics.empty(),
             qPrintable(w.overviewText()));
    // The Summary's top lists: the slowest callback, the busiest task (the one that blocked).
    QCOMPARE(w.summary().slowest().rowCount(), 1);
    QVERIFY(test::spinUntil([&] { return w.summary().busiest().rowCount() == 3; }, 5s));
    QCOMPARE(w.summary().busiest().rows().front().target.toULongLong(),
             data.snapshot.slowCallbacks[0].taskId);
    QVERIFY(w.summary().mostHeap().rowCount() > 0);
    QCOMPARE(w.summary().worstMetrics().rows().front().name, QStringLiteral("heartbeat-late"));
    QVERIFY(w.scriptText().contains(QStringLiteral("suspect_coro")));
    QVERIFY2(w.logText().contains(QStringLiteral("suspect_coro finished")), qPrintable(w.logText()));
    QVERIFY(w.bannerText().isEmpty());
    // The script: the slow line marked; clicking it selects its slow callback.
    const int slowLine = data.snapshot.slowCallbacks[0].location.section(u':', -1).toInt();
    QCOMPARE(w.scriptEditor().slowLines(), (std::map<int, int>{{slowLine, 1}}));
    w.slowCallbackView().clearSelection();
    w.showView(MainWindow::View::Script);
    w.showSlowLine(slowLine);
    QCOMPARE(w.slowCallbackView().currentIndex().row(), 0);
    QCOMPARE(w.currentView(), MainWindow::View::EventLoop);
    // The stack pane leads with the script line and the first frame of interest, not nanosleep.
    QVERIFY2(w.stackText().startsWith(QStringLiteral("at ") + data.snapshot.slowCallbacks[0].location),
             qPrintable(w.stackText()));
    QVERIFY2(w.stackText().section(u'\n', 2, 3).contains(QStringLiteral("runtime frame")),
             qPrintable(w.stackText()));
    QVERIFY2(w.stackText().section(u'\n', 3, 3).contains(QStringLiteral("blockFor")),
             qPrintable(w.stackText()));
    // Selecting it put the script's cursor on its line; the Summary's row leads back to it.
    QCOMPARE(w.scriptEditor().textCursor().blockNumber() + 1, slowLine);
    w.slowCallbackView().clearSelection();
    w.showView(MainWindow::View::Summary);
    w.showSlowCallback(data.snapshot.slowCallbacks[0].dispatchSeq);
    QCOMPARE(w.currentView(), MainWindow::View::EventLoop);
    QCOMPARE(w.slowCallbackView().currentIndex().row(), 0);
    QVERIFY(!w.saveScript()); // an example is not saved over
    // A verdict leads to its line; selecting a task shows its details.
    QCOMPARE(w.summary().verdicts().rowCount(), 1);
    w.scriptEditor().moveCursor(QTextCursor::Start);
    w.summary().verdictView().setCurrentIndex(w.summary().verdicts().index(0, 0));
    Q_EMIT w.summary().verdictView().activated(w.summary().verdicts().index(0, 0));
    QCOMPARE(w.currentView(), MainWindow::View::Script);
    QCOMPARE(w.scriptEditor().textCursor().blockNumber() + 1, slowLine);
    w.selectTask(data.snapshot.slowCallbacks[0].taskId);
    QVERIFY2(
        test::spinUntil([&] { return w.taskDetailText().contains(QStringLiteral("suspect_coro #3")); }, 5s),
        qPrintable(w.taskDetailText()));
    QVERIFY(w.taskDetailText().contains(QStringLiteral("parent: main #1 (completed)")));
    QVERIFY(w.taskDetailText().contains(QStringLiteral("resumed after"))); // its history
    w.selectTask(1);
    QVERIFY2(test::spinUntil(
                 [&] {
                     return w.taskDetailText().contains(QStringLiteral(
                         "children (2): heartbeat #2 (completed), suspect_coro #3 (completed)"));
                 },
                 5s),
             qPrintable(w.taskDetailText()));
    // Latency: the script's metric, then the loop lag; charts drawn from the time series.
    QCOMPARE(w.latencyModel().rowCount(), int(data.snapshot.latency.size()) + 1);
    QCOMPARE(w.latencyModel().data(w.latencyModel().index(0, LatencyModel::Name)).toString(),
             QStringLiteral("heartbeat-late"));
    QCOMPARE(w.latencyModel().data(w.latencyModel().index(0, LatencyModel::Count)).toULongLong(),
             qulonglong(data.snapshot.latency[0].micros.count()));
    QVERIFY(w.lagChart().pointsDrawn() > 0);
    QVERIFY(w.memoryChart().pointsDrawn() >= 2);
    QVERIFY(w.metricChart().pointsDrawn() > 0);
    QCOMPARE(w.slowScatter().pointCount(), 1);
    QCOMPARE(w.histogramChart().counted(),
             double(data.snapshot.latency[0].micros.count())); // the first metric
    // Running through its block (not suspended where it last waited), suspended, completed.
    QCOMPARE(w.stateChart().layers(), 3);
    screenshot(w, "blocking-call");
    // Export each format from the window: each file is what `coroscope report` writes.
    for (const char* ext : {"html", "json", "csv", "md", "trace.json"}) {
        const QString path = dir.filePath(QStringLiteral("r.") + QLatin1String(ext));
        QCOMPARE(exportAndWait(w, path), QString());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        const auto format = reportFormatForPath(path);
        QVERIFY(format);
        QBuffer expected;
        expected.open(QIODevice::WriteOnly);
        QVERIFY(!writeReport(*format, data, expected));
        QCOMPARE(text.size(), expected.data().size());
        QVERIFY(text.contains(*format == ReportFormat::Csv ? "suspect_coro" : "blocking-call.js"));
    }
    QVERIFY(!exportAndWait(w, dir.filePath(QStringLiteral("r.unknown"))).isEmpty());
    QVERIFY(exportAndWait(w, dir.filePath(QStringLiteral("no/such/dir/r.json")))
                .contains(QStringLiteral("cannot write")));
    // Save Session As: a copy that opens with the same figures.
    const QString copy = dir.filePath(QStringLiteral("copy.coroscope"));
    QSignalSpy saved(&w, &MainWindow::sessionSaved);
    w.saveSessionAs(copy);
    QVERIFY(saved.wait(10'000));
    QCOMPARE(saved.at(0).at(1).toString(), QString());
    MainWindow reopened(QStringLiteral(COROSCOPE_BINARY));
    QVERIFY(reopened.openSession(copy));
    QVERIFY(test::spinUntil([&] { return reopened.tail().latest() && settled(reopened); }, 10s));
    QCOMPARE(reopened.taskModel().rowCount(), 3);
    QCOMPARE(reopened.slowCallbackModel().rowCount(), 1);
    QCOMPARE(reopened.overviewText().replace(copy, w.tail().path()), w.overviewText());
    // Recent files and the layout survive; Reset Layout brings the Summary and the sizes back.
    reopened.openFile(w.tail().path());
    QCOMPARE(reopened.recentFiles().value(0), w.tail().path());
    reopened.show();
    auto* split = reopened.findChild<QSplitter*>(QStringLiteral("LoopSplit"));
    QVERIFY(split);
    reopened.showView(MainWindow::View::EventLoop);
    QTest::qWait(50);
    reopened.resetLayout();
    const QList<int> sizes = split->sizes();
    split->setSizes({10, sizes.value(0) + sizes.value(1) - 10});
    QVERIFY(split->sizes() != sizes);
    reopened.resetLayout();
    QCOMPARE(reopened.currentView(), MainWindow::View::Summary);
    QCOMPARE(split->sizes(), sizes);
}

void TestMainWindow::overviewSaysTheLoopIsBlockedNow() {
    const QTemporaryDir dir;
    const QString script = dir.filePath(QStringLiteral("frozen.js"));
    {
        QFile file(script);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("function* blocker() { yield sleep(10);\n  blockFor(3600000); }\n"
                   "function* main() { yield spawn('blocker', blocker); }\n");
    }
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    w.show();
    w.openScript(script);
    w.run();
    // Seen live, in red, counting up: the task that blocks and its line.
    QVERIFY2(test::spinUntil(
                 [&] {
                     return w.overviewText().contains(QStringLiteral("The loop is blocked now")) &&
                            w.overviewText().contains(QStringLiteral(" s in task 'blocker' at frozen.js:2"));
                 },
                 30s),
             qPrintable(w.overviewText()));
    QVERIFY(w.summary().findChild<QLabel*>(QStringLiteral("blockedNow"))->isVisible());
    QVERIFY(w.overviewText().contains(QStringLiteral("Status: running")));
    // The max lag is the block so far, as the lag chart shows it, not the last tick's 2 ms.
    QVERIFY2(test::spinUntil(
                 [&] {
                     return w.overviewText().contains(
                         QRegularExpression(QStringLiteral("Max lag: [0-9.]+ s")));
                 },
                 10s),
             qPrintable(w.overviewText()));
    screenshot(w, "blocked-now");
    w.stop();
    QVERIFY(test::spinUntil([&] { return !w.runner().isRunning(); }, 10s));
    QVERIFY(test::spinUntil([&] { return !w.overviewText().contains(QStringLiteral("blocked now")); }, 5s));
}

// Dropped events, resume segments a full disk cost, a truncated file: said where the figures
// are read (before, only `coroscope report` said so, on stderr).
void TestMainWindow::overviewSaysWhatIsMissing() {
    const QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("lossy.coroscope"));
    test::writeSyntheticSession(path, 20, 2);
    {
        session::Database db(path, session::Database::Mode::Create);
        db.exec("INSERT OR REPLACE INTO counters (name, value) VALUES ('dropped_records', 7), "
                "('session_segments_dropped', 1234)");
    }
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    QVERIFY(w.openSession(path));
    QVERIFY2(
        test::spinUntil([&] { return w.overviewText().contains(QStringLiteral("Incomplete data")); }, 10s),
        qPrintable(w.overviewText()));
    QVERIFY(w.overviewText().contains(QStringLiteral("7 events were dropped")));
    QVERIFY(w.overviewText().contains(QStringLiteral("1234 resume segments are not in the session")));
}

void TestMainWindow::crashedRunShowsTheBannerAndKeepsTheData() {
    const QByteArray asan = qgetenv("ASAN_OPTIONS"); // an ASan runner would catch SIGSEGV itself
    qputenv("ASAN_OPTIONS", asan + (asan.isEmpty() ? "" : ":") + "handle_segv=0");
    const QTemporaryDir dir;
    const QString script = dir.filePath(QStringLiteral("endless.js"));
    {
        QFile file(script);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("function* w() { while (true) yield sleep(10); }\n"
                   "function* main() { for (let i = 0; i < 5; ++i) spawn('w', w); for (;;) { yield "
                   "sleep(20); log('t'); } }\n");
    }
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    w.show();
    w.openScript(script);
    w.run();
    QVERIFY2(
        test::spinUntil([&] { return w.taskModel().rowCount() == 6; }, 60s), // seen live (ASan: slow start)
        qPrintable(QStringLiteral("%1 rows; status: %2; overview: %3")
                       .arg(w.taskModel().rowCount())
                       .arg(w.statusBar()->currentMessage(), w.overviewText())));
    // Two log lines printed before the crash: both must reach the window (line-buffered runner).
    QVERIFY(test::spinUntil([&] { return w.logText().count(u'\n') >= 1; }, 10s));
    // At the loop thread (the main thread: its id is the pid), where the runner catches it.
    const pid_t runner = pid_t(w.runner().findChild<QProcess*>()->processId());
    QCOMPARE(::syscall(SYS_tgkill, runner, runner, SIGSEGV), 0L);
    QVERIFY(test::spinUntil([&] { return !w.runner().isRunning(); }, 10s));
    QVERIFY2(w.bannerText().startsWith(QStringLiteral("The workload crashed (SIGSEGV) after ")),
             qPrintable(w.bannerText()));
    QVERIFY(test::spinUntil([&] { return w.tail().latest() && w.taskModel().rowCount() == 6; }, 5s));
    QVERIFY(test::spinUntil([&] { return w.tail().latest()->info.status == RunStatus::Crashed; }, 5s));
    QCOMPARE(exportAndWait(w, dir.filePath(QStringLiteral("after-crash.json"))), QString()); // still works
    QVERIFY2(w.logText().startsWith(QStringLiteral("t\n")), qPrintable(w.logText())); // flushed as printed
    screenshot(w, "crashed");
}

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("coroscope-test")); // its own settings file
    TestMainWindow test;
    return QTest::qExec(&test, argc, argv);
}
#include "test_mainwindow.moc"
