// The desktop app's engine room, without widgets: running `coroscope run` as a child process,
// following its session while it is written, stopping it, and saying how it ended (a crash
// banner). The GUI thread must never wait: every step here is signals on a running loop.
#include "models/tasktablemodel.h"
#include "run/runcontroller.h"
#include "run/sessiontail.h"
#include "run/taskstoreworker.h"
#include "testsupport.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <csignal>
#include <sys/syscall.h>
#include <unistd.h>

using namespace coroscope;
using namespace coroscope::ui;
using namespace std::chrono_literals;

namespace {

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& text) {
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

// Tasks appear over about a second, so a follower sees the session grow.
constexpr char kGrowing[] =
    "function* worker(i) { yield sleep(20 * i); }\n"
    "function* main() {\n"
    "    for (let i = 0; i < 40; ++i) { spawn('worker', worker, i); yield sleep(25); }\n"
    "}\n";

constexpr char kEndless[] =
    "function* main() { for (let i = 0; ; ++i) { yield sleep(20); log('tick ' + i); } }\n";

/// A finished session, written by `coroscope run` of a one-line script.
bool runnerWritesASession(const QTemporaryDir& dir, const QString& session) {
    QProcess run;
    run.start(QStringLiteral(COROSCOPE_BINARY),
              {QStringLiteral("run"),
               writeFile(dir, QStringLiteral("quick.js"), "function* main() { yield sleep(1); }\n"),
               QStringLiteral("--session"), session});
    return run.waitForFinished(30'000) && run.exitCode() == 0;
}

} // namespace

class TestUiRunner : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void runIsFollowedLiveUntilItsSessionIsFinished();
    void aSessionBeingCreatedIsNotAnError();
    void stopEndsTheRunWithItsSessionFinished();
    void crashedRunnerGivesABannerAndKeepsTheData();
    void badScriptIsReportedNotCrashed();
    void argumentsCarryTheSettings();
    void thresholdChangesWhileRunning();
    void screenshotsOfEachPanel();
};

// Before: every successful run showed "not a Coroscope session (no schema version)" or "empty
// file" for a while, and the window stopped following: it had read the file between the runner
// creating it and writing its schema. A runner's file becomes a session; a saved one is an error.
void TestUiRunner::aSessionBeingCreatedIsNotAnError() {
    const QTemporaryDir dir;
    const QString path = writeFile(dir, QStringLiteral("starting.coroscope"), QByteArray());
    SessionTail live;
    QSignalSpy liveFailed(&live, &SessionTail::failed);
    QSignalSpy liveUpdated(&live, &SessionTail::updated);
    live.follow(path, SessionTail::Source::LiveRunner, 20ms);
    QTest::qWait(200);
    QCOMPARE(liveFailed.count(), 0);
    QVERIFY(live.readsDone() >= 3); // it was read, empty, and it kept looking
    SessionTail saved;
    QSignalSpy savedFailed(&saved, &SessionTail::failed);
    saved.follow(path, SessionTail::Source::SavedFile, 20ms);
    QVERIFY(savedFailed.wait(5000));
    QVERIFY2(savedFailed.at(0).at(0).toString().contains(path),
             qPrintable(savedFailed.at(0).at(0).toString()));
    // The runner's schema lands: the live tail reads it.
    const QString source = dir.filePath(QStringLiteral("written.coroscope"));
    QVERIFY(runnerWritesASession(dir, source));
    QFile::remove(path);
    QVERIFY(QFile::copy(source, path));
    QVERIFY(test::spinUntil(
        [&] { return liveUpdated.count() > 0 && live.latest() && live.latest()->finished; }, 10s));
    QCOMPARE(liveFailed.count(), 0);
    // Once the runner has ended, a file that is still no session is an error after all.
    const QString never = writeFile(dir, QStringLiteral("never.coroscope"), QByteArray());
    SessionTail ended;
    QSignalSpy endedFailed(&ended, &SessionTail::failed);
    ended.follow(never, SessionTail::Source::LiveRunner, 20ms);
    QTest::qWait(100);
    QCOMPARE(endedFailed.count(), 0);
    ended.finalRead();
    QVERIFY(endedFailed.wait(5000));
}

void TestUiRunner::runIsFollowedLiveUntilItsSessionIsFinished() {
    const QTemporaryDir dir;
    RunController runner(QStringLiteral(COROSCOPE_BINARY));
    SessionTail tail;
    TaskStoreWorker worker;
    TaskTableModel tasks(worker);
    QAbstractItemModelTester tester(&tasks, QAbstractItemModelTester::FailureReportingMode::QtTest);
    std::vector<std::size_t> taskCounts;
    connect(&tail, &SessionTail::updated, &tasks, [&](std::shared_ptr<const session::SessionData> data) {
        QVERIFY(data->snapshot.tasks.empty()); // the tail leaves task rows to the model
        taskCounts.push_back(data->snapshot.tasksTotal);
        if (worker.path().isEmpty()) {
            worker.setPath(data->path);
            tasks.setSession(data->path, data->info.startNs);
        } else {
            tasks.refresh(data->info.startNs, data->snapshot.nowNs);
        }
    });
    std::optional<RunOutcome> outcome;
    connect(&runner, &RunController::finished, this, [&](const RunOutcome& o) {
        outcome = o;
        tail.finalRead(); // the runner's last batch
    });
    const QString session = dir.filePath(QStringLiteral("live.coroscope"));
    QVERIFY(runner.start(RunRequest{writeFile(dir, QStringLiteral("growing.js"), kGrowing), session}));
    tail.follow(session, SessionTail::Source::LiveRunner);
    QVERIFY(runner.isRunning());
    QVERIFY(test::spinUntil([&] { return outcome.has_value() && tail.latest() && tail.latest()->finished; },
                            30s));
    QCOMPARE(outcome->exitCode, 0);
    QVERIFY(outcome->banner().isEmpty());
    // Seen while it grew, not only at the end.
    QVERIFY2(taskCounts.size() >= 4, qPrintable(QString::number(taskCounts.size())));
    QVERIFY(std::adjacent_find(taskCounts.begin(), taskCounts.end(), std::greater<>()) == taskCounts.end());
    QVERIFY(taskCounts.front() < 41);
    QCOMPARE(taskCounts.back(), std::size_t(41));
    // The model's last query follows the last view; rows are fetched when first shown.
    QVERIFY(test::spinUntil([&] { return tasks.isSettled() && tasks.rowCount() == 41; }, 10s));
    QVERIFY(test::spinUntil([&] { return tasks.isSettled() && tasks.taskAt(0) && tasks.taskAt(40); }, 10s));
    QCOMPARE(tasks.data(tasks.index(0, TaskTableModel::Name)).toString(), QStringLiteral("main"));
    QCOMPARE(tasks.data(tasks.index(1, TaskTableModel::State)).toString(), QStringLiteral("completed"));
    QCOMPARE(tasks.data(tasks.index(40, TaskTableModel::Id), TaskTableModel::TaskIdRole).toULongLong(),
             41ull);
}

void TestUiRunner::stopEndsTheRunWithItsSessionFinished() {
    const QTemporaryDir dir;
    RunController runner(QStringLiteral(COROSCOPE_BINARY));
    std::optional<RunOutcome> outcome;
    QStringList logLines;
    connect(&runner, &RunController::finished, this, [&](const RunOutcome& o) { outcome = o; });
    connect(&runner, &RunController::output, this, [&](const QString& line, bool isError) {
        if (!isError)
            logLines << line;
    });
    const QString session = dir.filePath(QStringLiteral("stopped.coroscope"));
    QVERIFY(runner.start(RunRequest{writeFile(dir, QStringLiteral("endless.js"), kEndless), session}));
    QVERIFY(test::spinUntil([&] { return logLines.size() >= 5; }, 20s));
    runner.stop();
    QVERIFY(test::spinUntil([&] { return outcome.has_value(); }, 10s));
    QVERIFY(!outcome->crashed); // ended by itself, well before the kill
    QCOMPARE(outcome->exitCode, 4);
    QVERIFY(outcome->stoppedByUser);
    const session::SessionData data = session::readSession(session);
    QVERIFY(data.finished);
    QCOMPARE(data.info.status, RunStatus::Interrupted);
}

void TestUiRunner::crashedRunnerGivesABannerAndKeepsTheData() {
    // Under the ASan preset the runner would catch the SIGSEGV itself and exit 1: let it crash.
    const QByteArray asan = qgetenv("ASAN_OPTIONS");
    qputenv("ASAN_OPTIONS", asan + (asan.isEmpty() ? "" : ":") + "handle_segv=0");
    const QTemporaryDir dir;
    RunController runner(QStringLiteral(COROSCOPE_BINARY));
    SessionTail tail;
    std::optional<RunOutcome> outcome;
    QStringList logLines;
    qint64 pid = 0;
    connect(&runner, &RunController::output, this, [&](const QString& line, bool isError) {
        if (!isError)
            logLines << line;
    });
    connect(&runner, &RunController::finished, this, [&](const RunOutcome& o) {
        outcome = o;
        tail.finalRead();
    });
    const QString session = dir.filePath(QStringLiteral("crashed.coroscope"));
    QVERIFY(runner.start(RunRequest{writeFile(dir, QStringLiteral("endless.js"), kEndless), session}));
    tail.follow(session, SessionTail::Source::LiveRunner);
    QVERIFY(test::spinUntil([&] { return logLines.size() >= 10; }, 20s));
    pid = runner.findChild<QProcess*>()->processId();
    // At the loop thread (the main thread: its id is the pid): the runner catches it, finishes
    // the session with the native stack and exits 5.
    QCOMPARE(::syscall(SYS_tgkill, pid_t(pid), pid_t(pid), SIGSEGV), 0L);
    QVERIFY(test::spinUntil(
        [&] { return outcome.has_value() && tail.readsDone() > 0 && !tail.latest().get() == false; }, 30s));
    QVERIFY(!outcome->crashed);
    QCOMPARE(outcome->exitCode, 5);
    QVERIFY2(outcome->banner().startsWith(QStringLiteral("The workload crashed (SIGSEGV) after ")),
             qPrintable(outcome->banner()));
    QVERIFY(
        outcome->banner().endsWith(QStringLiteral(" s — the session was finished, with the native stack")));
    // The data up to the crash: the session reads, finished as crashed, with the run's tasks and logs.
    QVERIFY(test::spinUntil([&] { return tail.latest() != nullptr; }, 5s));
    const session::SessionData data = session::readSession(session);
    QVERIFY(data.finished);
    QCOMPARE(data.info.status, RunStatus::Crashed);
    QVERIFY(!data.info.crashStack.isEmpty());
    QVERIFY(!data.snapshot.tasks.empty());
    QVERIFY(data.logs.size() >= 5);
}

void TestUiRunner::badScriptIsReportedNotCrashed() {
    const QTemporaryDir dir;
    RunController runner(QStringLiteral(COROSCOPE_BINARY));
    std::optional<RunOutcome> outcome;
    connect(&runner, &RunController::finished, this, [&](const RunOutcome& o) { outcome = o; });
    QVERIFY(
        runner.start(RunRequest{writeFile(dir, QStringLiteral("bad.js"), "function* main() { yield ; ) }\n"),
                                dir.filePath(QStringLiteral("bad.coroscope"))}));
    QVERIFY(test::spinUntil([&] { return outcome.has_value(); }, 20s));
    QCOMPARE(outcome->exitCode, 2);
    QVERIFY2(outcome->banner().contains(QStringLiteral("bad.js:1:")), qPrintable(outcome->banner()));
    QVERIFY(outcome->banner().contains(QStringLiteral("SyntaxError")));
}

// Run Settings during a run: the new threshold reaches the runner at once (its stdin, read on a
// thread of its own), the session's meta follows, and the log says when.
void TestUiRunner::thresholdChangesWhileRunning() {
    const QTemporaryDir dir;
    RunController runner(QStringLiteral(COROSCOPE_BINARY));
    QStringList logLines;
    std::optional<RunOutcome> outcome;
    connect(&runner, &RunController::output, this, [&](const QString& line, bool isError) {
        if (!isError)
            logLines << line;
    });
    connect(&runner, &RunController::finished, this, [&](const RunOutcome& o) { outcome = o; });
    const QString session = dir.filePath(QStringLiteral("threshold.coroscope"));
    RunRequest request{
        writeFile(dir, QStringLiteral("blocks.js"),
                  "function* main() {\n"
                  "    for (let i = 0; ; ++i) { blockFor(150); log('block ' + i); yield sleep(30); }\n"
                  "}\n"),
        session};
    request.slowThreshold = 1000ms;           // no 150 ms block is slow yet
    QVERIFY(!runner.setSlowThreshold(100ms)); // nothing runs
    QVERIFY(runner.start(request));
    QVERIFY(test::spinUntil([&] { return logLines.size() >= 3; }, 20s));
    QVERIFY(runner.setSlowThreshold(100ms));
    const qsizetype blocksBefore = logLines.size();
    QVERIFY(test::spinUntil([&] { return logLines.size() >= blocksBefore + 4; }, 20s));
    runner.stop();
    QVERIFY(test::spinUntil([&] { return outcome.has_value(); }, 10s));
    const session::SessionData data = session::readSession(session);
    QCOMPARE(data.info.slowThresholdNs, std::int64_t(100'000'000));
    const auto note = std::find_if(data.logs.begin(), data.logs.end(), [](const session::LogLine& l) {
        return l.line == QStringLiteral("[coroscope] slow-callback threshold set to 100 ms");
    });
    QVERIFY(note != data.logs.end());
    // Slow callbacks only after the change, and about one per block since.
    QVERIFY2(data.snapshot.slowCallbacks.size() >= 3,
             qPrintable(QString::number(data.snapshot.slowCallbacks.size())));
    for (const SlowCallback& c : data.snapshot.slowCallbacks)
        QVERIFY(c.startNs + c.durationNs >= note->tNs);
}

// `coroscope --screenshots DIR SCRIPT [--size WxH] [--dark]`: one PNG per view, each a real
// picture of the window's size (not blank); a dark one darker than a light one.
void TestUiRunner::screenshotsOfEachPanel() {
    const QTemporaryDir dir;
    QProcess shots;
    shots.start(QStringLiteral(COROSCOPE_BINARY),
                {QStringLiteral("--screenshots"), dir.path(), QStringLiteral("example:blocking-call")});
    QVERIFY(shots.waitForFinished(60'000));
    QCOMPARE(shots.exitCode(), 0);
    const QStringList written =
        QString::fromUtf8(shots.readAllStandardOutput()).split(u'\n', Qt::SkipEmptyParts);
    for (const char* name : {"summary", "tasks", "tasks-timeline", "tasks-states-over-time", "event-loop",
                             "latency", "memory", "script"}) {
        const QString path = dir.filePath(QLatin1String(name) + QStringLiteral(".png"));
        QVERIFY2(written.contains(path), qPrintable(path));
        const QImage image(path);
        QVERIFY2(image.width() >= 300 && image.height() >= 150, qPrintable(path));
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7)
            for (int x = 0; x < image.width(); x += 7)
                colours.insert(image.pixel(x, y));
        QVERIFY2(colours.size() > 8, qPrintable(path)); // drawn, not one flat colour
    }
    // --size and --dark: the window's size, and a darker picture.
    const QTemporaryDir darkDir;
    QProcess dark;
    dark.start(QStringLiteral(COROSCOPE_BINARY),
               {QStringLiteral("--screenshots"), darkDir.path(), QStringLiteral("example:blocking-call"),
                QStringLiteral("--size"), QStringLiteral("1280x800"), QStringLiteral("--dark")});
    QVERIFY(dark.waitForFinished(60'000));
    QCOMPARE(dark.exitCode(), 0);
    const auto meanLightness = [](const QImage& image) {
        double sum = 0;
        int n = 0;
        for (int y = 0; y < image.height(); y += 9)
            for (int x = 0; x < image.width(); x += 9, ++n)
                sum += QColor(image.pixel(x, y)).lightnessF();
        return n ? sum / n : 0.0;
    };
    const QImage darkSummary(darkDir.filePath(QStringLiteral("summary.png")));
    QCOMPARE(darkSummary.size(), QSize(1280, 800));
    QVERIFY(meanLightness(darkSummary) <
            meanLightness(QImage(dir.filePath(QStringLiteral("summary.png")))) - 0.3);
    for (const QStringList& args :
         {QStringList{QStringLiteral("--screenshots"), dir.path()},
          QStringList{QStringLiteral("--screenshots"), dir.path(), QStringLiteral("example:blocking-call"),
                      QStringLiteral("--size"), QStringLiteral("10x10")}}) {
        QProcess bad;
        bad.start(QStringLiteral(COROSCOPE_BINARY), args);
        QVERIFY(bad.waitForFinished(10'000));
        QCOMPARE(bad.exitCode(), 2);
    }
}

void TestUiRunner::argumentsCarryTheSettings() {
    RunRequest request{QStringLiteral("example:blocking-call"), QStringLiteral("/tmp/s.coroscope")};
    request.slowThreshold = 50ms;
    request.duration = 2000ms;
    request.seed = 7;
    request.params = {{QStringLiteral("n"), QStringLiteral("3")}};
    QCOMPARE(RunController::arguments(request),
             (QStringList{QStringLiteral("run"), QStringLiteral("example:blocking-call"),
                          QStringLiteral("--session"), QStringLiteral("/tmp/s.coroscope"),
                          QStringLiteral("--slow-threshold"), QStringLiteral("50ms"),
                          QStringLiteral("--control-stdin"), QStringLiteral("--duration"),
                          QStringLiteral("2000ms"), QStringLiteral("--seed"), QStringLiteral("7"),
                          QStringLiteral("--param"), QStringLiteral("n=3")}));
}

QTEST_GUILESS_MAIN(TestUiRunner)
#include "test_uirunner.moc"
