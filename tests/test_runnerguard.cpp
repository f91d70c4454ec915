// Nothing wedges the runner: every limit and signal ends a run whatever the script is doing (a
// blocking call, a spin in C++, a native builtin the engine cannot interrupt), and the session is
// finished with the right status and says what ended it. Each script here would run for an hour.
#include "reading/sessionreader.h"
#include "scriptfile.h"

#include <QElapsedTimer>
#include <QFile>
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

} // namespace

QTEST_GUILESS_MAIN(TestRunnerGuard)
#include "test_runnerguard.moc"
