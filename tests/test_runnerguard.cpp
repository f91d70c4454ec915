// Nothing wedges the runner: every limit and signal ends a run whatever the script is doing (a
// blocking call, a spin in C++, a native builtin the engine cannot interrupt), and the session is
// finished with the right status and says what ended it. Each script here would run for an hour.
#include "reading/sessionreader.h"
#include "scriptfile.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

using namespace coroscope;
using namespace coroscope::session;

namespace {

/// Far longer than any bound below: a run that ends did so because something ended it.
constexpr int kHourMs = 3'600'000;
/// A stuck run would take an hour; one that ends within this was stopped (the aim is ~1 s).
constexpr int kEndsWithinMs = 20'000;

class TestRunnerGuard : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    QString script(const QString& name, const QString& source) {
        return coroscope::test::writeScriptFile(m_dir, name, source);
    }

    /// Starts `coroscope run` and waits until the script logged "started" (it is in the call).
    void start(QProcess& runner, const QString& scriptPath, const QString& session,
               const QStringList& options = {}) {
        runner.start(QStringLiteral(COROSCOPE_BINARY),
                     QStringList{QStringLiteral("run"), scriptPath, QStringLiteral("--session"), session} +
                         options);
        QVERIFY(runner.waitForStarted());
        QByteArray out;
        while (!out.contains("started") && runner.state() == QProcess::Running) {
            runner.waitForReadyRead(1000);
            out += runner.readAllStandardOutput();
        }
        QVERIFY2(out.contains("started"), runner.readAllStandardError().constData());
    }

    /// Waits for the end; returns the session as written.
    SessionData finish(QProcess& runner, const QString& session, int expectedExit = 4) {
        const bool ended = runner.waitForFinished(kEndsWithinMs);
        if (!ended) {
            runner.kill();
            runner.waitForFinished();
        }
        [&] {
            QVERIFY2(ended, "the run did not end");
            QCOMPARE(runner.exitStatus(), QProcess::NormalExit);
            QCOMPARE(runner.exitCode(), expectedExit);
        }();
        m_stderr = QString::fromUtf8(runner.readAllStandardError());
        return readSession(session);
    }

    QString m_stderr;

private Q_SLOTS:
    void scriptTimeoutEndsABlockingCall_data();
    void scriptTimeoutEndsABlockingCall();
    void signalEndsABlockingCall_data();
    void signalEndsABlockingCall();
    void memoryLimitHoldsInsideANativeBuiltin_data();
    void memoryLimitHoldsInsideANativeBuiltin();
    void signalEndsANativeBuiltin();
    void cleanupThatBlocksIsEnded();
    void deepRecursionIsAnErrorNamingTaskAndLine_data();
    void deepRecursionIsAnErrorNamingTaskAndLine();
    void crashIsReportedWithItsNativeStack();
    void liveSessionTellsTheTruthDuringABlock();
    void aBlockIsNotBlamedOnTheTasksItStarved();
    void finishedSessionShowsTheBlockWhileItLasted();
};

void TestRunnerGuard::scriptTimeoutEndsABlockingCall_data() {
    QTest::addColumn<QString>("call");
    QTest::newRow("blockFor") << QStringLiteral("blockFor");
    QTest::newRow("burn") << QStringLiteral("burn");
}

void TestRunnerGuard::scriptTimeoutEndsABlockingCall() {
    QFETCH(QString, call);
    const QString path =
        script(call + QStringLiteral(".js"),
               QStringLiteral("function* main() { log('started'); %1(%2); }\n").arg(call).arg(kHourMs));
    const QString session = m_dir.filePath(call + QStringLiteral("-timeout.coroscope"));
    QProcess runner;
    start(runner, path, session, {QStringLiteral("--script-timeout"), QStringLiteral("500ms")});
    const SessionData s = finish(runner, session);
    QVERIFY(s.finished);
    QCOMPARE(s.info.status, RunStatus::Interrupted);
    QVERIFY2(s.info.endReason.startsWith(QLatin1String("--script-timeout")), qPrintable(s.info.endReason));
    QVERIFY2(m_stderr.contains(QLatin1String("interrupted after")) &&
                 m_stderr.contains(QLatin1String("--script-timeout")),
             qPrintable(m_stderr)); // the summary says which limit
    QCOMPARE(s.snapshot.slowCallbacks.size(), std::size_t(1));
}

void TestRunnerGuard::signalEndsABlockingCall_data() {
    QTest::addColumn<QString>("call");
    QTest::addColumn<int>("signal");
    QTest::newRow("blockFor, SIGTERM") << QStringLiteral("blockFor") << SIGTERM;
    QTest::newRow("burn, SIGTERM") << QStringLiteral("burn") << SIGTERM;
    QTest::newRow("blockFor, SIGINT") << QStringLiteral("blockFor") << SIGINT;
}

void TestRunnerGuard::signalEndsABlockingCall() {
    QFETCH(QString, call);
    QFETCH(int, signal);
    const QString path =
        script(call + QStringLiteral("-signal.js"),
               QStringLiteral("function* main() { log('started'); %1(%2); }\n").arg(call).arg(kHourMs));
    const QString session = m_dir.filePath(QStringLiteral("%1-%2.coroscope").arg(call).arg(signal));
    QProcess runner;
    start(runner, path, session);
    ::kill(pid_t(runner.processId()), signal);
    const SessionData s = finish(runner, session);
    QVERIFY(s.finished);
    QCOMPARE(s.info.status, RunStatus::Interrupted);
    QCOMPARE(s.info.endReason, signal == SIGTERM ? QStringLiteral("SIGTERM") : QStringLiteral("SIGINT"));
}

void TestRunnerGuard::memoryLimitHoldsInsideANativeBuiltin_data() {
    QTest::addColumn<QString>("statement");
    // Array.prototype.fill and string concatenation run in C++: the engine's interrupt flag is
    // never looked at until they return, tens of GiB later.
    QTest::newRow("huge array") << QStringLiteral("const a = new Array(2**31).fill(1); log(a.length);");
    QTest::newRow("doubling string") << QStringLiteral(
        "let s = 'x'; for (;;) { s = s + s; s.charCodeAt(s.length - 1); }");
}

void TestRunnerGuard::memoryLimitHoldsInsideANativeBuiltin() {
    QFETCH(QString, statement);
    const QString path = script(QStringLiteral("native.js"),
                                QStringLiteral("function* main() { log('started'); %1 }\n").arg(statement));
    const QString session = m_dir.filePath(
        QStringLiteral("native-%1.coroscope").arg(QString::fromLatin1(QTest::currentDataTag())));
    constexpr long kLimitMiB = 384;
    QProcess runner;
    start(runner, path, session, {QStringLiteral("--memory-limit"), QStringLiteral("%1MiB").arg(kLimitMiB)});
    const SessionData s = finish(runner, session);
    QVERIFY(s.finished);
    QCOMPARE(s.info.status, RunStatus::MemoryLimit);
    QVERIFY2(s.info.endReason.startsWith(QLatin1String("--memory-limit")), qPrintable(s.info.endReason));
    // The peak of every child this test waited for: the others are far smaller. Within 25 %.
    rusage usage{};
    QCOMPARE(getrusage(RUSAGE_CHILDREN, &usage), 0);
    const double peakMiB = double(usage.ru_maxrss) / 1024.0;
    QVERIFY2(peakMiB < kLimitMiB * 1.25, qPrintable(QStringLiteral("peak RSS %1 MiB").arg(peakMiB)));
}

void TestRunnerGuard::signalEndsANativeBuiltin() {
    // Sorting 3 million numbers as strings takes the engine's C++ sort over 30 s, and the engine
    // only looks at its interrupt flag when it is back in script.
    const QString path = script(QStringLiteral("sort.js"), QStringLiteral(R"(
function* main() {
    const a = [];
    for (let i = 0; i < 3e6; ++i) a.push((i * 7919) % 1000003);
    log('started');
    a.sort();
}
)"));
    const QString session = m_dir.filePath(QStringLiteral("sort.coroscope"));
    QProcess runner;
    start(runner, path, session, {QStringLiteral("--script-timeout"), QStringLiteral("1h")});
    QTest::qWait(200);
    runner.terminate();
    const SessionData s = finish(runner, session);
    QVERIFY(s.finished);
    QCOMPARE(s.info.status, RunStatus::Interrupted);
    QVERIFY2(s.info.endReason.startsWith(QLatin1String("SIGTERM; the loop did not come back")),
             qPrintable(s.info.endReason));
    QVERIFY2(m_stderr.contains(QLatin1String("sort.js: interrupted after")), qPrintable(m_stderr));
}

void TestRunnerGuard::cleanupThatBlocksIsEnded() {
    // Cancelled at the end of the run, the task's `finally` blocks again: the guard interrupts it,
    // and the run still ends with its own status.
    const QString path = script(QStringLiteral("cleanup.js"), QStringLiteral(R"(
function* worker() { try { yield sleep(%1); } finally { blockFor(%1); } }
function* main() { spawn(worker); log('started'); yield sleep(%1); }
)")
                                                                  .arg(kHourMs));
    const QString session = m_dir.filePath(QStringLiteral("cleanup.coroscope"));
    QProcess runner;
    start(runner, path, session, {QStringLiteral("--duration"), QStringLiteral("300ms")});
    const SessionData s = finish(runner, session, 0);
    QVERIFY(s.finished);
    QCOMPARE(s.info.status, RunStatus::DurationElapsed);
}

void TestRunnerGuard::deepRecursionIsAnErrorNamingTaskAndLine_data() {
    QTest::addColumn<QString>("recursion");
    QTest::addColumn<QString>("error");
    // yield* resumes generators in the engine's C++, which counts no depth: the native stack runs
    // out (SIGSEGV). `yield g()` goes through the driver, which bounds its own stack.
    QTest::newRow("yield*") << QStringLiteral("function* g(n) { yield* g(n + 1); }")
                            << QStringLiteral(
                                   "RangeError: maximum recursion depth exceeded: the native stack "
                                   "ran out in task 'deep' at g (deep.js:2)");
    QTest::newRow("yield gen()") << QStringLiteral("function* g(n) { return (yield g(n + 1)); }")
                                 << QStringLiteral("RangeError: maximum recursion depth exceeded: 10000 "
                                                   "generators awaited inside each other (at deep.js:2)");
}

void TestRunnerGuard::deepRecursionIsAnErrorNamingTaskAndLine() {
    QFETCH(QString, recursion);
    QFETCH(QString, error);
    const QString path = script(QStringLiteral("deep.js"), QStringLiteral(R"(
%1
function* main() { log('started'); yield spawn('deep', function* () { yield* g(0); }); }
)")
                                                               .arg(recursion));
    const QString session =
        m_dir.filePath(QStringLiteral("deep-%1.coroscope").arg(QString::fromLatin1(QTest::currentDataTag())));
    QProcess runner;
    start(runner, path, session);
    const SessionData s = finish(runner, session, 1);
    QVERIFY(s.finished);
    QCOMPARE(s.info.status, RunStatus::Failed);
    QVERIFY2(s.mainError.startsWith(error) || m_stderr.contains(error), qPrintable(m_stderr));
}

void TestRunnerGuard::crashIsReportedWithItsNativeStack() {
    const QString path =
        script(QStringLiteral("crash.js"),
               QStringLiteral("function* main() { log('started'); blockFor(%1); }\n").arg(kHourMs));
    const QString session = m_dir.filePath(QStringLiteral("crash.coroscope"));
    QProcess runner;
    start(runner, path, session);
    QTest::qWait(300); // past the log line's write: in blockFor, where the stack must show it
    // A fault on the loop thread itself (the main thread: its id is the pid).
    const pid_t pid = pid_t(runner.processId());
    QCOMPARE(::syscall(SYS_tgkill, pid, pid, SIGSEGV), 0L);
    const SessionData s = finish(runner, session, 5);
    QVERIFY(s.finished);
    QCOMPARE(s.info.status, RunStatus::Crashed);
    QVERIFY2(s.info.endReason.startsWith(QLatin1String("SIGSEGV")) &&
                 s.info.endReason.contains(QLatin1String("in task 'main'")),
             qPrintable(s.info.endReason));
    QVERIFY2(s.info.crashStack.contains(QLatin1String("ScriptRuntime::blockFor")),
             qPrintable(s.info.crashStack));
    QVERIFY2(m_stderr.contains(QLatin1String("crash.js: crashed after")) &&
                 m_stderr.contains(QLatin1String("blockFor")),
             qPrintable(m_stderr));
}

void TestRunnerGuard::liveSessionTellsTheTruthDuringABlock() {
    // Read while the loop is blocked: the ongoing callback counts up (the watchdog knows how long
    // it has run), and the task that blocks is running, not suspended where it last waited.
    const QString path = script(QStringLiteral("live.js"), QStringLiteral(R"(
function* blocker() { yield sleep(10); blockFor(%1); }
function* main() { log('started'); yield spawn('blocker', blocker); }
)")
                                                               .arg(kHourMs));
    const QString session = m_dir.filePath(QStringLiteral("live.coroscope"));
    QProcess runner;
    start(runner, path, session, {QStringLiteral("--slow-threshold"), QStringLiteral("50ms")});
    QTest::qWait(1500);
    const SessionData live = readSession(session);
    // `coroscope report` of the session while it is being written says the same.
    QProcess report;
    const QString json = m_dir.filePath(QStringLiteral("live.json"));
    report.start(QStringLiteral(COROSCOPE_BINARY),
                 {QStringLiteral("report"), session, QStringLiteral("-o"), json});
    QVERIFY(report.waitForFinished(30'000));
    QCOMPARE(report.exitCode(), 0);
    runner.terminate();
    finish(runner, session);
    QVERIFY(!live.finished);
    QCOMPARE(live.snapshot.slowCallbacks.size(), std::size_t(1));
    const SlowCallback& block = live.snapshot.slowCallbacks.front();
    QVERIFY(block.ongoing);
    QCOMPARE(block.taskName, QStringLiteral("blocker"));
    // Within ~250 ms of the clock: 1.5 s after the start, less the 10 ms sleep and startup.
    QVERIFY2(block.durationNs > 1'000'000'000, qPrintable(QString::number(block.durationNs)));
    const auto blocker = std::find_if(live.snapshot.tasks.begin(), live.snapshot.tasks.end(),
                                      [](const TaskInfo& t) { return t.name == QLatin1String("blocker"); });
    QVERIFY(blocker != live.snapshot.tasks.end());
    QCOMPARE(blocker->state, TaskState::Running);
    // The loop is busy, not idle, while it is blocked (the probe's ticks stopped at its start).
    QVERIFY2(live.snapshot.loopUtilization > 0.5, qPrintable(QString::number(live.snapshot.loopUtilization)));
    // Its busy time counts the block it is in, not only the segments that ended.
    QVERIFY2(blocker->busyNs > 1'000'000'000, qPrintable(QString::number(blocker->busyNs)));
    // The slow-callback diagnostic is there once the threshold is passed, with the time so far.
    const auto warning =
        std::find_if(live.snapshot.diagnostics.begin(), live.snapshot.diagnostics.end(),
                     [](const Diagnostic& d) { return d.rule == QLatin1String("slow-callback"); });
    QVERIFY(warning != live.snapshot.diagnostics.end());
    QVERIFY2(warning->message.contains(QLatin1String("so far")) &&
                 warning->message.contains(QLatin1String(" s ")),
             qPrintable(warning->message));
    QCOMPARE(warning->location, QStringLiteral("live.js:2"));
    // The lag chart shows the blocked span growing: the probe's tick that is due has been late
    // for as long as the block has lasted, and the latest rows say so before it fires.
    QVERIFY(!live.timeSeries.empty());
    QVERIFY2(live.timeSeries.back().lagMaxNs > 1'000'000'000,
             qPrintable(QString::number(live.timeSeries.back().lagMaxNs)));
    std::vector<std::int64_t> lagSoFar;
    for (const TimePoint& p : live.timeSeries)
        if (p.lagMaxNs > 200'000'000)
            lagSoFar.push_back(p.lagMaxNs);
    QVERIFY2(lagSoFar.size() >= 3, qPrintable(QString::number(lagSoFar.size())));
    QVERIFY(std::is_sorted(lagSoFar.begin(), lagSoFar.end()));
    QFile reportFile(json);
    QVERIFY(reportFile.open(QIODevice::ReadOnly));
    const QJsonObject r = QJsonDocument::fromJson(reportFile.readAll()).object();
    const QJsonObject slow = r.value(QStringLiteral("slow_callbacks")).toArray().at(0).toObject();
    QVERIFY(slow.value(QStringLiteral("ongoing")).toBool());
    QCOMPARE(slow.value(QStringLiteral("task")).toString(), QStringLiteral("blocker"));
    QVERIFY2(slow.value(QStringLiteral("duration_ms")).toDouble() > 1000,
             qPrintable(QString::number(slow.value(QStringLiteral("duration_ms")).toDouble())));
    bool warned = false;
    for (const QJsonValue& d : r.value(QStringLiteral("diagnostics")).toArray())
        warned = warned ||
                 (d.toObject().value(QStringLiteral("rule")).toString() == QLatin1String("slow-callback") &&
                  d.toObject().value(QStringLiteral("message")).toString().contains(QLatin1String("so far")));
    QVERIFY(warned);
    bool running = false;
    for (const QJsonValue& t :
         r.value(QStringLiteral("tasks")).toObject().value(QStringLiteral("items")).toArray())
        running =
            running || (t.toObject().value(QStringLiteral("name")).toString() == QLatin1String("blocker") &&
                        t.toObject().value(QStringLiteral("state")).toString() == QLatin1String("running"));
    QVERIFY(running);
}

void TestRunnerGuard::aBlockIsNotBlamedOnTheTasksItStarved() {
    // `for(;;){}` until --script-timeout: the ticker's timer could not fire meanwhile. It is not
    // stuck, it is not failed by the interrupt meant for main, and the loop was busy, not idle.
    const QString path = script(QStringLiteral("starve.js"), QStringLiteral(R"(
function* ticker() { for (;;) yield sleep(100); }
function* main() { spawn('ticker', ticker); log('started'); yield sleep(200); for (;;) {} }
)"));
    const QString session = m_dir.filePath(QStringLiteral("starve.coroscope"));
    QProcess runner;
    start(runner, path, session, {QStringLiteral("--script-timeout"), QStringLiteral("11s")});
    const SessionData s = finish(runner, session);
    QCOMPARE(s.info.status, RunStatus::Interrupted);
    for (const Diagnostic& d : s.snapshot.diagnostics)
        QVERIFY2(d.rule != QLatin1String("stuck-task") &&
                     d.rule != QLatin1String("exception-never-retrieved"),
                 qPrintable(d.message));
    const auto ticker = std::find_if(s.snapshot.tasks.begin(), s.snapshot.tasks.end(),
                                     [](const TaskInfo& t) { return t.name == QLatin1String("ticker"); });
    QVERIFY(ticker != s.snapshot.tasks.end());
    QCOMPARE(ticker->state, TaskState::Cancelled);
    QVERIFY2(s.snapshot.loopUtilization > 0.8, qPrintable(QString::number(s.snapshot.loopUtilization)));
    QVERIFY2(s.snapshot.loopLagMicros.max() > 10'000'000,
             qPrintable(QString::number(s.snapshot.loopLagMicros.max())));
}

void TestRunnerGuard::finishedSessionShowsTheBlockWhileItLasted() {
    // An 800 ms block in a run that ends well: through the block, "States over time" (the window's
    // and the HTML report's, both from the time series) has the blocking task running, not every
    // task suspended, and the lag's max climbs with the block instead of leaving a hole.
    const QString path = script(QStringLiteral("block800.js"), QStringLiteral(R"(
function* sleeper() { yield sleep(1500); }
function* blocker() { yield sleep(100); blockFor(800); }
function* main() {
    log('started');
    const s = spawn('sleeper', sleeper);
    yield spawn('blocker', blocker);
    yield s;
}
)"));
    const QString session = m_dir.filePath(QStringLiteral("block800.coroscope"));
    QProcess runner;
    start(runner, path, session);
    const SessionData s = finish(runner, session, 0);
    QCOMPARE(s.info.status, RunStatus::Completed);
    QCOMPARE(s.snapshot.slowCallbacks.size(), std::size_t(1));
    const SlowCallback& block = s.snapshot.slowCallbacks.front();
    QVERIFY(!block.ongoing);
    QVERIFY(block.durationNs >= 800'000'000);
    int rowsInBlock = 0;
    std::int64_t previousLag = -1;
    for (const TimePoint& p : s.timeSeries) {
        // Well inside it: the collector marks the task running after 20 ms of one dispatch.
        if (p.tNs < block.startNs + 100'000'000 || p.tNs > block.startNs + block.durationNs - 50'000'000)
            continue;
        ++rowsInBlock;
        QVERIFY2(p.tasksByState[std::size_t(TaskState::Running)] >= 1,
                 qPrintable(QStringLiteral("no task running at %1 ms into the block")
                                .arg((p.tNs - block.startNs) / 1'000'000)));
        QVERIFY2(p.lagMaxNs > previousLag, qPrintable(QString::number(p.lagMaxNs)));
        previousLag = p.lagMaxNs;
    }
    QVERIFY2(rowsInBlock >= 4, qPrintable(QString::number(rowsInBlock)));
    // The diagnostic said while it lasted what it says now: one finding, its final duration.
    int slowDiagnostics = 0;
    for (const Diagnostic& d : s.snapshot.diagnostics)
        if (d.rule == QLatin1String("slow-callback")) {
            ++slowDiagnostics;
            QVERIFY2(!d.message.contains(QLatin1String("so far")), qPrintable(d.message));
        }
    QCOMPARE(slowDiagnostics, 1);
}

} // namespace

QTEST_GUILESS_MAIN(TestRunnerGuard)
#include "test_runnerguard.moc"
