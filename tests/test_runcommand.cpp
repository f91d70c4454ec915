// `coroscope run`: the real binary, as a user runs it: exit codes, errors, limits, reports.
#include "jsonreportvalidator.h"
#include "reading/sessionreader.h"
#include "report/jsonreport.h"
#include "scriptfile.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstring>

namespace {

struct Result {
    int exitCode = -1;
    QString out;
    QString err;
};

class TestRunCommand : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    QString script(const QString& name, const QString& source) {
        return coroscope::test::writeScriptFile(m_dir, name, source);
    }

    Result run(const QStringList& arguments, int timeoutMs = 60'000) {
        QProcess process;
        process.start(QStringLiteral(COROSCOPE_BINARY), QStringList{QStringLiteral("run")} + arguments);
        if (!process.waitForFinished(timeoutMs))
            qFatal("coroscope run did not finish");
        return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
                QString::fromUtf8(process.readAllStandardError())};
    }

    QJsonObject readReport(const QString& path) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return {};
        const QByteArray bytes = file.readAll();
        if (const auto problem = coroscope::validateJsonReport(bytes))
            qWarning("invalid report: %s", qPrintable(*problem));
        return QJsonDocument::fromJson(bytes).object();
    }

private Q_SLOTS:
    void completedRunWritesAValidReport();
    void syntaxErrorIsBadInputAndRunsNothing();
    void badOptionsAndPathsAreBadInput_data();
    void badOptionsAndPathsAreBadInput();
    void mainThatThrowsExitsOne();
    void scriptThatNeverYieldsIsInterrupted();
    void taskLimitEndsTheRun();
    void aHundredThousandTasksAreCancelledAndRecordedAtTheEnd();
    void memoryLimitEndsTheRun();
    void durationEndsTheRun();
    void relativeScriptPathGivesPlainLocations();
    void mainThatFailsAtOnceOrIsCancelledExitsOne_data();
    void mainThatFailsAtOnceOrIsCancelledExitsOne();
    void controlCharactersAreEscapedOnTheTerminalNotInTheSession();
    void sessionNeverClobbersAnotherFile();
    void sessionAnotherRunnerWritesIsRefused();
};

void TestRunCommand::completedRunWritesAValidReport() {
    const QString path = script(QStringLiteral("ok.js"), QStringLiteral(R"(
function* fetch(i) { yield measure('fetch', sleep(5)); return i; }
function* main() {
    const r = yield gather([1, 2, 3].map(i => spawn('fetch', fetch, i)));
    log('sum', r.reduce((a, b) => a + b, 0), params.who, randint(1, 6));
}
)"));
    const QString report = m_dir.filePath(QStringLiteral("ok.json"));
    const Result r = run({path, QStringLiteral("--report"), report, QStringLiteral("--param"),
                          QStringLiteral("who=me"), QStringLiteral("--seed"), QStringLiteral("3")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.startsWith(QStringLiteral("sum 6 me ")), qPrintable(r.out));
    QVERIFY2(r.err.contains(QStringLiteral("completed")), qPrintable(r.err));
    const QJsonObject json = readReport(report);
    QVERIFY(!coroscope::validateJsonReport(QJsonDocument(json).toJson()));
    QCOMPARE(json[QStringLiteral("run")][QStringLiteral("status")].toString(), QStringLiteral("completed"));
    QCOMPARE(json[QStringLiteral("run")][QStringLiteral("seed")].toInt(), 3);
    QCOMPARE(json[QStringLiteral("run")][QStringLiteral("params")][QStringLiteral("who")].toString(),
             QStringLiteral("me"));
    QCOMPARE(json[QStringLiteral("tasks")][QStringLiteral("total")].toInt(), 4);
    QCOMPARE(json[QStringLiteral("latency")].toArray().size(), 1);
    QCOMPARE(json[QStringLiteral("latency")][0][QStringLiteral("count")].toInt(), 3);
}

void TestRunCommand::syntaxErrorIsBadInputAndRunsNothing() {
    const QString path = script(QStringLiteral("bad.js"),
                                QStringLiteral("function* main() {\n  log('ran');\n  yield +;\n}\n"));
    const Result r = run({path});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.startsWith(path + QStringLiteral(":3")), qPrintable(r.err));
    QVERIFY(r.err.contains(QStringLiteral("SyntaxError")));
    QVERIFY(r.out.isEmpty()); // nothing ran
}

void TestRunCommand::badOptionsAndPathsAreBadInput_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const QString ok = script(QStringLiteral("fine.js"), QStringLiteral("function* main() {}"));
    QTest::newRow("unknown option") << QStringList{ok, QStringLiteral("--bogus")} << QStringLiteral("bogus");
    QTest::newRow("missing file") << QStringList{m_dir.filePath(QStringLiteral("absent.js"))}
                                  << QStringLiteral("no such script");
    QTest::newRow("bad duration") << QStringList{ok, QStringLiteral("--duration"), QStringLiteral("soon")}
                                  << QStringLiteral("is not a duration");
    QTest::newRow("bad size") << QStringList{ok, QStringLiteral("--memory-limit"), QStringLiteral("lots")}
                              << QStringLiteral("is not a size");
    QTest::newRow("unwritable report")
        << QStringList{ok, QStringLiteral("--report"), QStringLiteral("/nonexistent/dir/r.json")}
        << QStringLiteral("cannot write the report");
    QTest::newRow("unknown report format")
        << QStringList{ok, QStringLiteral("--report"), m_dir.filePath(QStringLiteral("r.pdf"))}
        << QStringLiteral("unknown format");
    QTest::newRow("no main") << QStringList{script(QStringLiteral("nomain.js"), QStringLiteral("var x = 1;"))}
                             << QStringLiteral("main");
    QTest::newRow("plain function main")
        << QStringList{script(QStringLiteral("plain.js"), QStringLiteral("function main() {}"))}
        << QStringLiteral("plain.js:1: main is a plain function: write `function* main()`");
    QTest::newRow("directory") << QStringList{m_dir.path()} << QStringLiteral("is a directory, not a script");
    QTest::newRow("no tasks allowed") << QStringList{ok, QStringLiteral("--max-tasks"), QStringLiteral("0")}
                                      << QStringLiteral("--max-tasks: must be at least 1, not 0");
    QTest::newRow("negative seed") << QStringList{ok, QStringLiteral("--seed"), QStringLiteral("-1")}
                                   << QStringLiteral("--seed: '-1' is not a whole number from 0 to");
}

void TestRunCommand::badOptionsAndPathsAreBadInput() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const Result r = run(arguments);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QCOMPARE(r.err.trimmed().count(u'\n'), 0); // one line
}

void TestRunCommand::mainThatThrowsExitsOne() {
    const QString path = script(QStringLiteral("throws.js"), QStringLiteral(R"(
function* main() {
    yield sleep(1);
    throw new Error('workload broke');
}
)"));
    const QString report = m_dir.filePath(QStringLiteral("throws.json"));
    const Result r = run({path, QStringLiteral("--report"), report});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("Error: workload broke")), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("throws.js:4")), qPrintable(r.err));
    QCOMPARE(readReport(report)[QStringLiteral("run")][QStringLiteral("status")].toString(),
             QStringLiteral("failed"));
}

void TestRunCommand::scriptThatNeverYieldsIsInterrupted() {
    const QString path = script(QStringLiteral("spin.js"), QStringLiteral(R"(
function* spinner() { yield sleep(1); while (true) {} }
function* main() { yield spawn('spinner', spinner); }
)"));
    const QString report = m_dir.filePath(QStringLiteral("spin.json"));
    const Result r = run({path, QStringLiteral("--script-timeout"), QStringLiteral("600ms"),
                          QStringLiteral("--report"), report});
    QCOMPARE(r.exitCode, 4);
    const QJsonObject json = readReport(report);
    QCOMPARE(json[QStringLiteral("run")][QStringLiteral("status")].toString(), QStringLiteral("interrupted"));
    const QJsonArray slow = json[QStringLiteral("slow_callbacks")].toArray();
    QCOMPARE(slow.size(), 1);
    QCOMPARE(slow[0][QStringLiteral("task")].toString(), QStringLiteral("spinner"));
    QVERIFY(slow[0][QStringLiteral("duration_ms")].toDouble() >= 550);
    QVERIFY(!slow[0][QStringLiteral("stack")].toArray().isEmpty()); // captured while it spun
    QCOMPARE(slow[0][QStringLiteral("location")].toString(),
             QStringLiteral("spin.js:2")); // the yield it resumed from
}

void TestRunCommand::taskLimitEndsTheRun() {
    const QString path = script(QStringLiteral("fork.js"), QStringLiteral(R"(
function* idle() { yield sleep(60000); }
function* main() { for (;;) { spawn(idle); yield sleep(0); } }
)"));
    const QString report = m_dir.filePath(QStringLiteral("fork.json"));
    const Result r =
        run({path, QStringLiteral("--max-tasks"), QStringLiteral("50"), QStringLiteral("--report"), report});
    QCOMPARE(r.exitCode, 4);
    QCOMPARE(readReport(report)[QStringLiteral("run")][QStringLiteral("status")].toString(),
             QStringLiteral("task-limit"));
}

void TestRunCommand::aHundredThousandTasksAreCancelledAndRecordedAtTheEnd() {
    // Cancelled all at once, their cleanup outran the collector: 13 061 events dropped and
    // thousands of tasks shown as leaked. The runner now cancels in slices the collector keeps up with.
    const QString path = script(QStringLiteral("many.js"), QStringLiteral(R"(
function* idle() { yield sleep(3600000); }
function* main() {
    for (let i = 0; i < 100000; ++i) { spawn(idle); if (i % 10000 === 0) yield sleep(0); }
    yield sleep(10);
}
)"));
    const QString report = m_dir.filePath(QStringLiteral("many.json"));
    const Result r = run(
        {path, QStringLiteral("--max-tasks"), QStringLiteral("200000"), QStringLiteral("--report"), report},
        120'000);
    QCOMPARE(r.exitCode, 0);
    const QJsonObject json = readReport(report);
    QCOMPARE(json[QStringLiteral("incomplete_data")].toArray(), QJsonArray());
    const QJsonObject byState = json[QStringLiteral("tasks")][QStringLiteral("by_state")].toObject();
    QCOMPARE(byState[QStringLiteral("cancelled")].toInt(), 100000);
    QVERIFY2(!r.out.contains(QLatin1String("task-leaked")), qPrintable(r.out.left(2000)));
}

void TestRunCommand::memoryLimitEndsTheRun() {
    const QString path = script(QStringLiteral("hog.js"), QStringLiteral(R"(
const kept = [];
function* main() { for (;;) { kept.push(alloc(16 * 1024 * 1024)); yield sleep(0); } }
)"));
    const QString report = m_dir.filePath(QStringLiteral("hog.json"));
    const Result r = run({path, QStringLiteral("--memory-limit"), QStringLiteral("300MiB"),
                          QStringLiteral("--report"), report});
    QCOMPARE(r.exitCode, 4);
    const QJsonObject json = readReport(report);
    QCOMPARE(json[QStringLiteral("run")][QStringLiteral("status")].toString(),
             QStringLiteral("memory-limit"));
    // Sampled every 100 ms: the peak seen may trail the guard, but the hog was measured.
    QVERIFY(json[QStringLiteral("memory")][QStringLiteral("rss_peak_bytes")].toDouble() >=
            64.0 * 1024 * 1024);
}

void TestRunCommand::durationEndsTheRun() {
    const QString path = script(QStringLiteral("forever.js"),
                                QStringLiteral("function* main() { for (;;) yield sleep(10); }"));
    const QString report = m_dir.filePath(QStringLiteral("forever.json"));
    QElapsedTimer timer;
    timer.start();
    const Result r = run(
        {path, QStringLiteral("--duration"), QStringLiteral("300ms"), QStringLiteral("--report"), report});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(timer.elapsed() < 10'000);
    const QJsonObject json = readReport(report);
    QCOMPARE(json[QStringLiteral("run")][QStringLiteral("status")].toString(),
             QStringLiteral("duration-elapsed"));
    QVERIFY(json[QStringLiteral("run")][QStringLiteral("duration_ms")].toDouble() >= 290);
}

// Regression: a script given by a relative path has "file:name.js" frames (shown as "file:name.js:3"),
// and a block early in a run, before the watchdog is warm, still names its line.
void TestRunCommand::relativeScriptPathGivesPlainLocations() {
    script(QStringLiteral("rel.js"),
           QStringLiteral("function* main() {\n  yield sleep(1);\n  blockFor(150);\n}\n"));
    QProcess process;
    process.setWorkingDirectory(m_dir.path());
    process.start(QStringLiteral(COROSCOPE_BINARY), {QStringLiteral("run"), QStringLiteral("rel.js"),
                                                     QStringLiteral("--report"), QStringLiteral("rel.json")});
    QVERIFY(process.waitForFinished(60'000));
    QCOMPARE(process.exitCode(), 0);
    const QJsonArray slow =
        readReport(m_dir.filePath(QStringLiteral("rel.json")))[QStringLiteral("slow_callbacks")].toArray();
    QCOMPARE(slow.size(), 1);
    QCOMPARE(slow[0][QStringLiteral("location")].toString(), QStringLiteral("rel.js:3"));
}

// Regressions (docs review): `throw 42` came back as "yielded a value that is not awaitable"; a
// cancelled main exited 0. (A non-generator main, which hung, is now refused before it runs.)
void TestRunCommand::mainThatFailsAtOnceOrIsCancelledExitsOne_data() {
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("message");
    QTest::newRow("throws a number") << QStringLiteral("function* main() { yield sleep(1); throw 42; }")
                                     << QStringLiteral("uncaught value: 42");
    QTest::newRow("cancelled") << QStringLiteral("function* victim() { yield sleep(10000); }\n"
                                                 "function* main() { const t = spawn(victim); "
                                                 "spawn(function* killer() { yield sleep(5); t.cancel(); });"
                                                 " yield t; }")
                               << QStringLiteral("CancelledError");
}

void TestRunCommand::mainThatFailsAtOnceOrIsCancelledExitsOne() {
    QFETCH(QString, source);
    QFETCH(QString, message);
    const QString path = script(
        QStringLiteral("main-%1.js").arg(QString::fromLatin1(QTest::currentDataTag())).replace(u' ', u'-'),
        source);
    const QString report = path + QStringLiteral(".json");
    const Result r = run({path, QStringLiteral("--report"), report}, 20'000);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    const QJsonObject json = readReport(report);
    QCOMPARE(json[QStringLiteral("run")][QStringLiteral("status")].toString(), QStringLiteral("failed"));
    for (const QJsonValue d : json[QStringLiteral("diagnostics")].toArray())
        QVERIFY(d[QStringLiteral("rule")].toString() !=
                QLatin1String("exception-never-retrieved")); // main's was reported
}

void TestRunCommand::controlCharactersAreEscapedOnTheTerminalNotInTheSession() {
    // A task name with a colour escape, a right-to-left override and a NUL; an error message with
    // a clear-screen escape. The slow callback and the never-retrieved error print the name.
    const QString path = script(QStringLiteral("escapes.js"), QStringLiteral(R"(
function* bad() { blockFor(150); throw new Error('boom \x1b[2J after'); }
function* main() { spawn('evil\x1b[31m\u202e\0tail', bad); yield sleep(300); }
)"));
    const QString session = m_dir.filePath(QStringLiteral("escapes.coroscope"));
    QProcess process;
    process.start(QStringLiteral(COROSCOPE_BINARY),
                  {QStringLiteral("run"), path, QStringLiteral("--session"), session});
    QVERIFY(process.waitForFinished(60'000));
    const QByteArray err = process.readAllStandardError();
    for (const char* raw : {"\x1b", "\xe2\x80\xae", "\0"}) // ESC, U+202E, NUL
        QVERIFY2(!err.contains(QByteArray(raw, raw[0] ? qsizetype(std::strlen(raw)) : 1)), err.constData());
    // Escaped, and nothing after the NUL is lost: the rest of the name, the error text after it.
    QVERIFY2(err.contains(R"(evil\x1b[31m\u202e\x00tail)"), err.constData());
    QVERIFY2(err.contains(R"(boom \x1b[2J after)"), err.constData());
    QVERIFY2(err.contains("Session: "), err.constData());
    // The session keeps the exact text.
    coroscope::session::SessionData data = coroscope::session::readSession(session);
    const auto evil =
        std::find_if(data.snapshot.tasks.begin(), data.snapshot.tasks.end(),
                     [](const coroscope::TaskInfo& t) { return t.name.startsWith(QLatin1String("evil")); });
    QVERIFY(evil != data.snapshot.tasks.end());
    QCOMPARE(evil->name, QStringLiteral("evil\x1b[31m\u202e") + QChar(0) + QStringLiteral("tail"));
}

void TestRunCommand::sessionNeverClobbersAnotherFile() {
    const QByteArray source = "function* main() { yield sleep(1); }\n";
    const QString path = script(QStringLiteral("keep.js"), QString::fromUtf8(source));
    // The script itself, given as the session.
    Result r = run({path, QStringLiteral("--session"), path});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("is the script itself")), qPrintable(r.err));
    // Any other file that is not a session.
    const QString notes = script(QStringLiteral("notes.txt"), QStringLiteral("my notes\n"));
    r = run({path, QStringLiteral("--session"), notes});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("is not a Coroscope session: not overwritten")), qPrintable(r.err));
    // The report written over its own session.
    const QString html = m_dir.filePath(QStringLiteral("x.html"));
    r = run({path, QStringLiteral("--session"), html, QStringLiteral("--report"), html});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("is the session file")), qPrintable(r.err));
    for (const QString& kept : {path, notes}) {
        QFile file(kept);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), kept == path ? source : QByteArray("my notes\n"));
    }
    // An earlier session there is replaced, as asked.
    const QString session = m_dir.filePath(QStringLiteral("again.coroscope"));
    QCOMPARE(run({path, QStringLiteral("--session"), session}).exitCode, 0);
    QCOMPARE(run({path, QStringLiteral("--session"), session}).exitCode, 0);
    QVERIFY(coroscope::session::readSession(session).finished);
}

void TestRunCommand::sessionAnotherRunnerWritesIsRefused() {
    const QString path = script(QStringLiteral("long.js"),
                                QStringLiteral("function* main() { log('started'); yield sleep(1500); }\n"));
    const QString session = m_dir.filePath(QStringLiteral("shared.coroscope"));
    QProcess first;
    first.start(QStringLiteral(COROSCOPE_BINARY),
                {QStringLiteral("run"), path, QStringLiteral("--session"), session});
    QVERIFY(first.waitForReadyRead(20'000)); // "started": the session is claimed
    const Result second = run({path, QStringLiteral("--session"), session});
    QCOMPARE(second.exitCode, 2);
    QVERIFY2(second.err.contains(QLatin1String("another runner is writing this session")),
             qPrintable(second.err));
    QVERIFY(first.waitForFinished(20'000));
    QCOMPARE(first.exitCode(), 0);
    const coroscope::session::SessionData data = coroscope::session::readSession(session);
    QVERIFY(data.finished);
    QCOMPARE(data.info.status, coroscope::RunStatus::Completed);
}

} // namespace

QTEST_GUILESS_MAIN(TestRunCommand)
#include "test_runcommand.moc"
