// `coroscope launch`: unmodified programs (tests/launchfixtures/, none including a Coroscope
// header) run with the probe preloaded. What the probe must see without any help from them, that
// they behave exactly as without it, and a clear error or a kept session when things go wrong.
#include "reading/sessionreader.h"
#include "report/htmlreport.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace coroscope;

namespace {

struct Launched {
    int exitCode = -1;
    QString out;
    QString err;
};

Launched run(const QString& program, const QStringList& launchArgs, const QStringList& programArgs = {},
             const QStringList& env = {}) {
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    for (const QString& kv : env)
        e.insert(kv.section(u'=', 0, 0), kv.section(u'=', 1));
    p.setProcessEnvironment(e);
    p.start(program, launchArgs + programArgs);
    Launched out;
    if (!p.waitForFinished(60'000)) {
        p.kill();
        p.waitForFinished();
        out.err = QStringLiteral("timed out");
        return out;
    }
    out.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : 1000 + p.exitCode();
    out.out = QString::fromUtf8(p.readAllStandardOutput());
    out.err = QString::fromUtf8(p.readAllStandardError());
    return out;
}

QString fixture(const char* name) {
    return QStringLiteral(COROSCOPE_FIXTURE_DIR "/launch_") + QLatin1String(name);
}

Launched launch(const QString& session, const char* name, const QStringList& programArgs = {},
                const QStringList& options = {}) {
    return run(QStringLiteral(COROSCOPE_BINARY),
               QStringList{QStringLiteral("launch"), QStringLiteral("--session"), session} + options +
                   QStringList{QStringLiteral("--"), fixture(name)},
               programArgs);
}

} // namespace

class TestLaunch : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void timerSlotBlocksInANamedFunction();
    void qcoroCoroutineBlocksAfterAnAwait();
    void deleteLaterAndNestedLoopsBehaveAsWithoutTheProbe();
    void widgetsProgramUnderOffscreen();
    void namedThreadIsTheMeasuredOne();
    void unknownThreadNameIsAnError();
    void blockRightAfterStartHasItsStack();
    void exitCodePassesThrough();
    void crashKeepsTheSession();
    void notAQtProgramIsRefused();
    void missingProgramIsRefused();

private:
    QTemporaryDir m_dir;
};

void TestLaunch::timerSlotBlocksInANamedFunction() {
    const QString session = m_dir.filePath(QStringLiteral("timer.coroscope"));
    const Launched l = launch(session, "timerblock");
    QCOMPARE(l.exitCode, 0);
    QVERIFY2(l.out.contains(QStringLiteral("timerblock: 3 ticks")),
             qPrintable(l.out)); // its output passes through
    const session::SessionData data = session::readSession(session);
    QCOMPARE(data.info.status, RunStatus::Completed);
    QCOMPARE(data.snapshot.slowCallbacks.size(), std::size_t(3));
    for (const SlowCallback& c : data.snapshot.slowCallbacks) {
        QVERIFY2(c.durationNs >= 290'000'000 && c.durationNs < 2'000'000'000,
                 qPrintable(QString::number(c.durationNs)));
        QCOMPARE(c.eventType, QStringLiteral("Timer"));
        QCOMPARE(c.receiverClass, QStringLiteral("QTimer"));
        QVERIFY2(c.stack.contains(QStringLiteral("blockInNamedFunction")), qPrintable(c.stack));
    }
    QVERIFY(data.info.durationNs >= 900'000'000);
    QVERIFY(data.snapshot.segmentsTotal == 0); // no tasks without the SDK
    QVERIFY(!data.snapshot.memory.empty());
}

void TestLaunch::qcoroCoroutineBlocksAfterAnAwait() {
    const QString session = m_dir.filePath(QStringLiteral("qcoro.coroscope"));
    const Launched l = launch(session, "qcoroblock");
    QCOMPARE(l.exitCode, 0);
    const session::SessionData data = session::readSession(session);
    QCOMPARE(data.snapshot.slowCallbacks.size(), std::size_t(1));
    const QString stack = data.snapshot.slowCallbacks[0].stack;
    QVERIFY2(stack.contains(QStringLiteral("blockAfterAwait")), qPrintable(stack));
    QVERIFY2(stack.contains(QStringLiteral("fetchAndBlock")), qPrintable(stack));
}

void TestLaunch::deleteLaterAndNestedLoopsBehaveAsWithoutTheProbe() {
    const Launched plain = run(fixture("deletelater"), {});
    QCOMPARE(plain.exitCode, 0);
    const QString session = m_dir.filePath(QStringLiteral("deletelater.coroscope"));
    const Launched probed = launch(session, "deletelater");
    QCOMPARE(probed.exitCode, 0);
    QCOMPARE(probed.out, plain.out);
    // What the fixture is about: the first object outlives the nested loop, the second does not.
    QVERIFY2(plain.out.indexOf(QStringLiteral("deleted second")) <
                 plain.out.indexOf(QStringLiteral("nested loop ended")),
             qPrintable(plain.out));
    QVERIFY2(plain.out.indexOf(QStringLiteral("deleted first")) >
                 plain.out.indexOf(QStringLiteral("nested loop ended")),
             qPrintable(plain.out));
    QVERIFY2(plain.out.indexOf(QStringLiteral("deleted third")) >
                 plain.out.indexOf(QStringLiteral("processEvents returned")),
             qPrintable(plain.out));
    QCOMPARE(session::readSession(session).info.status, RunStatus::Completed);
}

void TestLaunch::namedThreadIsTheMeasuredOne() {
    const QString session = m_dir.filePath(QStringLiteral("thread.coroscope"));
    const Launched l =
        launch(session, "namedthread", {}, {QStringLiteral("--thread"), QStringLiteral("render-worker")});
    QVERIFY2(l.exitCode == 0, qPrintable(l.err));
    QVERIFY2(l.out.contains(QStringLiteral("worker rendered 2 frames")), qPrintable(l.out));
    const session::SessionData data = session::readSession(session);
    QCOMPARE(data.info.status, RunStatus::Completed);
    // The worker's two blocks, and not the main thread's.
    QCOMPARE(data.snapshot.slowCallbacks.size(), std::size_t(2));
    for (const SlowCallback& c : data.snapshot.slowCallbacks) {
        QVERIFY2(c.stack.contains(QStringLiteral("renderFrameBlocking")), qPrintable(c.stack));
        QVERIFY2(c.durationNs >= 240'000'000, qPrintable(QString::number(c.durationNs)));
    }
}

// Without --thread the application's thread is measured: the main thread's block only. It blocks
// 20 ms after start, while the symbolizer still loads its tables (90-150 ms): the watchdog must
// not wait for them to catch the block (it did: the stack was empty).
void TestLaunch::blockRightAfterStartHasItsStack() {
    const QString session = m_dir.filePath(QStringLiteral("thread-main.coroscope"));
    QCOMPARE(launch(session, "namedthread").exitCode, 0);
    const session::SessionData data = session::readSession(session);
    QCOMPARE(data.snapshot.slowCallbacks.size(), std::size_t(1));
    QVERIFY2(data.snapshot.slowCallbacks[0].stack.contains(QStringLiteral("mainThreadBlocking")),
             qPrintable(data.snapshot.slowCallbacks[0].stack));
}

void TestLaunch::unknownThreadNameIsAnError() {
    const QString session = m_dir.filePath(QStringLiteral("nosuch.coroscope"));
    const Launched l =
        launch(session, "namedthread", {}, {QStringLiteral("--thread"), QStringLiteral("no-such-thread")});
    QCOMPARE(l.exitCode, 2);
    // It names what was asked for and the threads there were to choose from.
    QVERIFY2(l.err.contains(QStringLiteral("no thread named 'no-such-thread' dispatched an event")),
             qPrintable(l.err));
    QVERIFY2(l.err.contains(QStringLiteral("render-worker")), qPrintable(l.err));
    QVERIFY2(l.out.contains(QStringLiteral("worker rendered 2 frames")), qPrintable(l.out)); // it still ran

    const Launched empty =
        launch(session, "namedthread", {}, {QStringLiteral("--thread"), QStringLiteral(" ")});
    QCOMPARE(empty.exitCode, 2);
    QVERIFY2(empty.err.contains(QStringLiteral("--thread: expected a thread's name")), qPrintable(empty.err));
}

void TestLaunch::widgetsProgramUnderOffscreen() {
    const QString session = m_dir.filePath(QStringLiteral("widgets.coroscope"));
    const Launched l = launch(session, "widgets");
    QCOMPARE(l.exitCode, 0);
    const session::SessionData data = session::readSession(session);
    QVERIFY(!data.snapshot.slowCallbacks.empty());
    bool sawPaint = false;
    for (const SlowCallback& c : data.snapshot.slowCallbacks)
        sawPaint |= c.stack.contains(QStringLiteral("SlowPaintWidget::paintEvent"));
    QVERIFY2(sawPaint, qPrintable(data.snapshot.slowCallbacks.front().stack));
}

void TestLaunch::exitCodePassesThrough() {
    const QString session = m_dir.filePath(QStringLiteral("exit.coroscope"));
    const Launched l = launch(session, "exitcode", {QStringLiteral("7")});
    QCOMPARE(l.exitCode, 7);
    const session::SessionData data = session::readSession(session);
    QCOMPARE(data.info.status, RunStatus::Failed);
    QVERIFY2(l.err.contains(QStringLiteral("exit code 7")), qPrintable(l.err));
    // What ran, as the user named it, read back from the session.
    QCOMPARE(data.info.launchedProgram, fixture("exitcode"));
    QCOMPARE(data.info.launchedArguments, QStringList{QStringLiteral("7")});
    // The HTML report's Script section says what ran instead of a script, escaped.
    session::SessionData named = data;
    named.info.launchedArguments << QStringLiteral("<b>&");
    const QString html = QString::fromUtf8(toHtmlReport(named));
    QVERIFY2(
        html.contains(QStringLiteral("No script: a program profiled with <code>coroscope launch</code>")),
        qPrintable(html.right(2000)));
    QVERIFY(html.contains(fixture("exitcode") + QStringLiteral(" 7 &lt;b&gt;&amp;</pre>")));
}

void TestLaunch::crashKeepsTheSession() {
    const QString session = m_dir.filePath(QStringLiteral("crash.coroscope"));
    const Launched l = launch(session, "crash");
    QCOMPARE(l.exitCode, 128 + 11);
    QVERIFY2(l.err.contains(QStringLiteral("SIGSEGV")), qPrintable(l.err));
    const session::SessionData data = session::readSession(session);
    QCOMPARE(data.info.status, RunStatus::Crashed);
    QVERIFY(data.info.durationNs >= 250'000'000);
    QVERIFY(!data.timeSeries.empty()); // what was recorded before the crash is kept
}

void TestLaunch::notAQtProgramIsRefused() {
    const QString session = m_dir.filePath(QStringLiteral("notqt.coroscope"));
    const Launched l = launch(session, "notqt");
    QCOMPARE(l.exitCode, 2);
    QVERIFY2(l.err.contains(fixture("notqt") + QStringLiteral(": is not a Qt 6 program")), qPrintable(l.err));
    QVERIFY(!QFile::exists(session));
}

void TestLaunch::missingProgramIsRefused() {
    const Launched l = run(QStringLiteral(COROSCOPE_BINARY), {QStringLiteral("launch"), QStringLiteral("--"),
                                                              QStringLiteral("no-such-program-here")});
    QCOMPARE(l.exitCode, 2);
    QVERIFY2(l.err.contains(QStringLiteral("no-such-program-here: no such program on PATH")),
             qPrintable(l.err));
}

QTEST_GUILESS_MAIN(TestLaunch)
#include "test_launch.moc"
