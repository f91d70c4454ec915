// Session files: what `coroscope run --session` records, what `coroscope report` makes of it, and
// every way a session can go wrong — a runner killed mid-run, a full disk, truncated, damaged,
// foreign and newer files. Runs the real binary, as users do.
#include "reading/sessionreader.h"
#include "report/jsonreport.h"
#include "report/reportformat.h"
#include "runner/workloadrun.h"
#include "session/sessionschema.h"
#include "session/sparsehistogram.h"
#include "session/sqlite.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace coroscope;
using namespace coroscope::session;

namespace {

struct Result {
    int exitCode = -1;
    bool crashed = false;
    QString out;
    QString err;
};

Result coroscopeCli(const QStringList& arguments, int timeoutMs = 60'000) {
    QProcess process;
    process.start(QStringLiteral(COROSCOPE_BINARY), arguments);
    if (!process.waitForFinished(timeoutMs))
        process.kill();
    process.waitForFinished();
    return {process.exitCode(), process.exitStatus() != QProcess::NormalExit,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& text) {
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

QJsonObject readJson(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

// A bit of everything a session holds: tasks (one fails unretrieved), a slow callback with its
// stack, latency metrics, heap, log lines.
constexpr char kScript[] = R"(
function* fetch(i) { yield sleep(5 + i % 7); return i; }
function* broken() { yield sleep(1); throw new Error('boom <b>'); }
function* main() {
    log('starting');
    spawn('broken', broken);
    const keep = [];
    for (let round = 0; round < 8; ++round) {
        const tasks = [];
        for (let i = 0; i < 20; ++i) tasks.push(spawn('fetch', fetch, i));
        yield measure('round', gather(tasks));
        keep.push(alloc(64 * 1024));
        record('direct', round);
    }
    yield sleep(300); blockFor(300); // after the watchdog has warmed up, even on a loaded machine
    log('done');
}
)";

// Runs until killed: yields often, logs its progress.
constexpr char kEndless[] = R"(
const tickers = Number(params.tickers || 50), every = Number(params.every || 10);
function* ticker(n) { while (true) { yield sleep(every); } }
function* main() {
    for (let i = 0; i < tickers; ++i) spawn('ticker', ticker, i);
    for (let i = 0; ; ++i) { yield sleep(50); log('tick ' + i); }
}
)";

} // namespace

class TestSession : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void reportFromSessionEqualsTheRunsOwnReport();
    void sessionHoldsTheRunAndItsTimeSeries();
    void liveSessionIsReadableWhileRunning();
    void sigkilledRunnerLeavesAReadableSession();
    void fullDiskKeepsWhatFits();
    void sigtermStopsTheRunAndFinishesTheSession_data();
    void sigtermStopsTheRunAndFinishesTheSession();
    void damagedCopiesAreReadOrRejectedCleanly();
    void foreignNewerAndMissingFilesGetClearErrors();
    void histogramBucketsRoundTrip();
};

void TestSession::reportFromSessionEqualsTheRunsOwnReport() {
    const QTemporaryDir dir;
    const QString script = writeFile(dir, QStringLiteral("mix.js"), kScript);
    const QString session = dir.filePath(QStringLiteral("mix.coroscope"));
    // In this process: the run's live snapshot against what its session file says.
    WorkloadRun run(RunOptions{.script = script});
    QVERIFY(!run.load());
    QVERIFY(!run.recordSession(session));
    bool done = false;
    QCoro::Task<> running = run.run().then([&](RunStatus) { done = true; });
    QVERIFY(test::spinUntil([&] { return done; }, std::chrono::seconds(30)));
    const SessionData saved = readSession(session);
    // The live view and the saved session are one data path: the same report, to the byte.
    const QJsonObject a = QJsonDocument::fromJson(toJsonReport(run.info(), run.snapshot())).object();
    QJsonObject b = QJsonDocument::fromJson(toJsonReport(saved.info, saved.snapshot)).object();
    QVERIFY(!a.isEmpty());
    for (const QString& key : a.keys())
        QVERIFY2(
            a.value(key) == b.value(key),
            qPrintable(key + QStringLiteral("\nlive:    ") +
                       QString::fromUtf8(
                           QJsonDocument(QJsonObject{{key, a.value(key)}}).toJson(QJsonDocument::Compact)) +
                       QStringLiteral("\nsession: ") +
                       QString::fromUtf8(
                           QJsonDocument(QJsonObject{{key, b.value(key)}}).toJson(QJsonDocument::Compact))));
    QCOMPARE(a, b);
    // The CLI's report from the session: the same again, now with what only the session keeps
    // (the CPU profile is not part of the snapshot).
    b = QJsonDocument::fromJson(renderReport(ReportFormat::Json, saved)).object();
    QVERIFY(b.value(QStringLiteral("loop"))
                .toObject()
                .value(QStringLiteral("cpu_profile"))
                .toObject()
                .value(QStringLiteral("sampled"))
                .toBool());
    const QString fromSession = dir.filePath(QStringLiteral("from-session.json"));
    const Result report =
        coroscopeCli({QStringLiteral("report"), session, QStringLiteral("-o"), fromSession});
    QVERIFY2(report.exitCode == 0, qPrintable(report.err));
    const QJsonObject c = readJson(fromSession);
    for (const QString& key : b.keys())
        QVERIFY2(c.value(key) == b.value(key),
                 qPrintable(key + QStringLiteral("\nin process: ") +
                            QString::fromUtf8(QJsonDocument(QJsonObject{{key, b.value(key)}}).toJson()) +
                            QStringLiteral("\ncli:        ") +
                            QString::fromUtf8(QJsonDocument(QJsonObject{{key, c.value(key)}}).toJson())));
    QCOMPARE(c, b);
    // And the HTML from the session escapes what the script named.
    const QString html = dir.filePath(QStringLiteral("r.html"));
    QCOMPARE(coroscopeCli({QStringLiteral("report"), session, QStringLiteral("-o"), html}).exitCode, 0);
    QFile page(html);
    QVERIFY(page.open(QIODevice::ReadOnly));
    const QByteArray text = page.readAll();
    QVERIFY(text.contains("boom &lt;b&gt;"));
    QVERIFY(!text.contains("boom <b>"));
}

void TestSession::sessionHoldsTheRunAndItsTimeSeries() {
    const QTemporaryDir dir;
    const QString script = writeFile(dir, QStringLiteral("mix.js"), kScript);
    const QString path = dir.filePath(QStringLiteral("s.coroscope"));
    QCOMPARE(coroscopeCli({QStringLiteral("run"), script, QStringLiteral("--session"), path,
                           QStringLiteral("--seed"), QStringLiteral("7"), QStringLiteral("--param"),
                           QStringLiteral("k=v")})
                 .exitCode,
             0);
    const SessionData s = readSession(path);
    QVERIFY(s.finished);
    QCOMPARE(s.info.status, RunStatus::Completed);
    QCOMPARE(s.info.script, script);
    QCOMPARE(s.info.scriptSource, QString::fromUtf8(kScript));
    QCOMPARE(s.info.seed, std::uint64_t(7));
    QCOMPARE(s.info.params.size(), std::size_t(1));
    QCOMPARE(s.info.params[0].second, QStringLiteral("v"));
    QCOMPARE(s.snapshot.tasks.size(), std::size_t(1 + 1 + 8 * 20)); // main, broken, the fetches
    QCOMPARE(s.snapshot.tasksByState[std::size_t(TaskState::Failed)], std::uint64_t(1));
    QCOMPARE(s.snapshot.slowCallbacks.size(), std::size_t(1));
    QVERIFY(s.snapshot.slowCallbacks[0].stack.contains(QStringLiteral("blockFor")));
    QVERIFY(s.snapshot.slowCallbacks[0].location.endsWith(QStringLiteral("mix.js:15")));
    QCOMPARE(s.logs.size(), std::size_t(2));
    QCOMPARE(s.logs.back().line, QStringLiteral("done"));
    QCOMPARE(s.snapshot.latency.size(), std::size_t(2));
    QCOMPARE(s.snapshot.latency[1].name, QStringLiteral("round"));
    QCOMPARE(s.snapshot.latency[1].micros.count(), std::uint64_t(8));
    QCOMPARE(s.snapshot.latency[0].micros.max(), std::int64_t(7000)); // record('direct', 7): 7 ms in µs
    QVERIFY(s.timeSeries.size() >= 3);                                // ~10 Hz over a run of ~0.5 s
    QVERIFY(s.snapshot.loopLagMicros.count() > 0);
    QVERIFY(!s.snapshot.memory.empty());
    QVERIFY(s.snapshot.memoryStats.rssPeakBytes > 0);
    // Segments are rows of their own: one per resume at least, for every task.
    Database db(path, Database::Mode::ReadOnly);
    QVERIFY(db.scalar("SELECT count(*) FROM segments") >= std::int64_t(s.snapshot.tasks.size()));
    QCOMPARE(db.scalar("SELECT count(*) FROM segments"), std::int64_t(s.snapshot.segmentsTotal));
}

void TestSession::liveSessionIsReadableWhileRunning() {
    const QTemporaryDir dir;
    const QString script = writeFile(dir, QStringLiteral("endless.js"), kEndless);
    const QString path = dir.filePath(QStringLiteral("live.coroscope"));
    QProcess runner;
    runner.start(QStringLiteral(COROSCOPE_BINARY),
                 {QStringLiteral("run"), script, QStringLiteral("--session"), path,
                  QStringLiteral("--duration"), QStringLiteral("20s")});
    QVERIFY(runner.waitForStarted());
    std::size_t seen = 0;
    std::size_t growing = 0;
    for (int i = 0; i < 100 && growing < 3; ++i) {
        QTest::qWait(100);
        // Not yet created, or created and not yet given its schema (that is one commit, from an
        // empty file to a whole session): nothing to read yet.
        if (!QFile::exists(path) || QFileInfo(path).size() == 0)
            continue;
        try {
            const SessionData s = readSession(path); // while the runner commits every 100 ms
            QVERIFY(!s.finished);
            QCOMPARE(s.info.status, RunStatus::Unfinished);
            if (s.timeSeries.size() > seen && seen > 0)
                ++growing;
            seen = std::max(seen, s.timeSeries.size());
        } catch (const SessionError& e) {
            QFAIL(qPrintable(e.message()));
        }
    }
    runner.kill();
    runner.waitForFinished();
    QVERIFY2(growing >= 3, "the time series did not grow while the run went on");
}

void TestSession::sigkilledRunnerLeavesAReadableSession() {
    const QTemporaryDir dir;
    const QString script = writeFile(dir, QStringLiteral("endless.js"), kEndless);
    const QString path = dir.filePath(QStringLiteral("killed.coroscope"));
    QProcess runner;
    runner.start(QStringLiteral(COROSCOPE_BINARY),
                 {QStringLiteral("run"), script, QStringLiteral("--session"), path});
    QVERIFY(runner.waitForStarted());
    QTest::qWait(1500);
    ::kill(pid_t(runner.processId()), SIGKILL);
    QVERIFY(runner.waitForFinished());
    QCOMPARE(runner.exitStatus(), QProcess::CrashExit);
    const QString json = dir.filePath(QStringLiteral("killed.json"));
    const Result report = coroscopeCli({QStringLiteral("report"), path, QStringLiteral("-o"), json});
    QVERIFY2(report.exitCode == 0, qPrintable(report.err));
    QVERIFY(report.err.contains(QStringLiteral("not finished")));
    const QJsonObject r = readJson(json);
    QCOMPARE(r.value(QLatin1String("run")).toObject().value(QLatin1String("status")).toString(),
             QStringLiteral("unfinished"));
    QCOMPARE(r.value(QLatin1String("tasks")).toObject().value(QLatin1String("total")).toInt(), 51);
    const SessionData s = readSession(path);
    QVERIFY(s.logs.size() >= 10); // a tick every 50 ms for ~1 s, minus start-up
    QVERIFY2(s.info.durationNs > 800'000'000, qPrintable(QString::number(s.info.durationNs)));
}

void TestSession::sigtermStopsTheRunAndFinishesTheSession_data() {
    QTest::addColumn<QByteArray>("script");
    QTest::newRow("yielding") << QByteArray(kEndless);
    // Never yields: only the engine can be interrupted; the guard does it once the stop is asked.
    QTest::newRow("spinning") << QByteArray("function* main() { yield sleep(200); while (true) {} }\n");
}

// The GUI's Stop: SIGTERM ends the run as interrupted, with tasks cancelled and the session
// finished (status written), well before the GUI's 3 s kill.
void TestSession::sigtermStopsTheRunAndFinishesTheSession() {
    QFETCH(QByteArray, script);
    const QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("stopped.coroscope"));
    QProcess runner;
    runner.start(QStringLiteral(COROSCOPE_BINARY),
                 {QStringLiteral("run"), writeFile(dir, QStringLiteral("s.js"), script),
                  QStringLiteral("--session"), path});
    QVERIFY(runner.waitForStarted());
    QTest::qWait(1200);
    QElapsedTimer stopping;
    stopping.start();
    runner.terminate(); // SIGTERM
    QVERIFY(runner.waitForFinished(10'000));
    QVERIFY2(stopping.elapsed() < 3000, qPrintable(QString::number(stopping.elapsed())));
    QCOMPARE(runner.exitStatus(), QProcess::NormalExit);
    QCOMPARE(runner.exitCode(), 4);
    const SessionData s = readSession(path);
    QVERIFY(s.finished);
    QCOMPARE(s.info.status, RunStatus::Interrupted);
    QCOMPARE(s.snapshot.tasksByState[std::size_t(TaskState::Suspended)] +
                 s.snapshot.tasksByState[std::size_t(TaskState::Running)],
             std::uint64_t(0)); // every task ended (cancelled)
}

void TestSession::fullDiskKeepsWhatFits() {
    const QTemporaryDir dir;
    const QString script = writeFile(dir, QStringLiteral("endless.js"), kEndless);
    const QString path = dir.filePath(QStringLiteral("full.coroscope"));
    // A full disk, for this process only: files may not grow past 2 MiB (dash counts 512-byte
    // blocks); 200 tasks switching every 2 ms make ~4 MB of resume segments a second (SIGXFSZ
    // ignored, so write() fails with EFBIG as it would with ENOSPC). Once this saved nothing of the
    // run: its WAL filled in the first 0.3 s and the report said "unfinished after -170 ms".
    QProcess runner;
    runner.start(QStringLiteral("/bin/sh"),
                 {QStringLiteral("-c"), QStringLiteral("trap '' XFSZ; ulimit -f 4096; exec \"$0\" \"$@\""),
                  QStringLiteral(COROSCOPE_BINARY), QStringLiteral("run"), script,
                  QStringLiteral("--session"), path, QStringLiteral("--duration"), QStringLiteral("4s"),
                  QStringLiteral("--param"), QStringLiteral("tickers=200"), QStringLiteral("--param"),
                  QStringLiteral("every=2")});
    QVERIFY(runner.waitForFinished(60'000));
    const QString err = QString::fromUtf8(runner.readAllStandardError());
    QCOMPARE(runner.exitStatus(), QProcess::NormalExit);
    QVERIFY2(runner.exitCode() == 4, qPrintable(err)); // the disk was a limit
    QVERIFY2(err.contains(QStringLiteral("the disk is nearly full")) && err.contains(path), qPrintable(err));
    QVERIFY2(err.contains(QStringLiteral("duration-elapsed after")), qPrintable(err)); // the run went on
    // What fits is kept: the whole run but the resume segments past the room, and how it ended.
    const SessionData s = readSession(path);
    QVERIFY(s.finished);
    QCOMPARE(s.info.status, RunStatus::DurationElapsed);
    QVERIFY2(s.info.durationNs >= 4'000'000'000, qPrintable(QString::number(s.info.durationNs)));
    QCOMPARE(s.snapshot.tasksTotal, std::uint64_t(201));
    QVERIFY(!s.timeSeries.empty());
    QVERIFY2(s.timeSeries.back().tNs - s.info.startNs > 3'500'000'000,
             qPrintable(QString::number(s.timeSeries.back().tNs - s.info.startNs)));
    QVERIFY(s.snapshot.drops.segments > 0);
    QVERIFY(QFileInfo(path).size() <= 2 << 20);
    // Every report says what is missing, and no time is negative.
    const QString md = dir.filePath(QStringLiteral("full.md"));
    const Result report = coroscopeCli({QStringLiteral("report"), path, QStringLiteral("-o"), md});
    QCOMPARE(report.exitCode, 0);
    QFile page(md);
    QVERIFY(page.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(page.readAll());
    QVERIFY2(text.contains(QStringLiteral("resume segments are not in the session")), qPrintable(text));
    QVERIFY2(!text.contains(QStringLiteral("after -")), qPrintable(text));
    const QJsonObject json = QJsonDocument::fromJson(toJsonReport(s.info, s.snapshot, s.warnings)).object();
    QCOMPARE(json.value(QStringLiteral("run"))
                 .toObject()
                 .value(QStringLiteral("incomplete_data"))
                 .toArray()
                 .size(),
             qsizetype(1));
}

void TestSession::damagedCopiesAreReadOrRejectedCleanly() {
    const QTemporaryDir dir;
    const QString script = writeFile(dir, QStringLiteral("mix.js"), kScript);
    const QString good = dir.filePath(QStringLiteral("good.coroscope"));
    QCOMPARE(coroscopeCli({QStringLiteral("run"), script, QStringLiteral("--session"), good}).exitCode, 0);
    QFile file(good);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY(bytes.size() > 8192);
    QRandomGenerator random(20261122);
    int noticed = 0; // rejected, or read as far as it is intact with a warning saying what is lost
    const int kCopies = 120;
    for (int i = 0; i < kCopies; ++i) {
        QByteArray copy = bytes;
        if (i % 2 == 0) {
            copy.truncate(qsizetype(random.bounded(quint32(bytes.size()))));
        } else {
            for (int n = 0; n < 16; ++n)
                copy[qsizetype(random.bounded(quint32(copy.size())))] = char(random.bounded(256));
        }
        const QString path = writeFile(dir, QStringLiteral("damaged-%1.coroscope").arg(i), copy);
        try {
            // Damage in unused space, or in values, can go unnoticed; a truncated file cannot.
            const SessionData s = readSession(path);
            for (const QString& warning : s.warnings)
                QVERIFY2(warning.startsWith(path), qPrintable(warning));
            QVERIFY2(i % 2 == 1 || !s.warnings.isEmpty(), qPrintable(QString::number(copy.size())));
            noticed += s.warnings.isEmpty() ? 0 : 1;
        } catch (const SessionError& e) {
            ++noticed;
            QVERIFY2(e.message().startsWith(path), qPrintable(e.message()));
        }
    }
    QVERIFY2(noticed >= kCopies / 2, qPrintable(QString::number(noticed)));
    // Through the binary: exit 0 with warnings, or 2 and one line naming the file; never a crash.
    for (int i = 0; i < 6; ++i) {
        const QString path = dir.filePath(QStringLiteral("damaged-%1.coroscope").arg(i));
        const Result r = coroscopeCli(
            {QStringLiteral("report"), path, QStringLiteral("-o"), dir.filePath(QStringLiteral("x.json"))});
        QVERIFY(!r.crashed);
        QVERIFY2(r.exitCode == 0 || (r.exitCode == 2 && r.err.contains(path)), qPrintable(r.err));
    }
}

void TestSession::foreignNewerAndMissingFilesGetClearErrors() {
    const QTemporaryDir dir;
    auto reportError = [&](const QString& path) {
        const Result r = coroscopeCli(
            {QStringLiteral("report"), path, QStringLiteral("-o"), dir.filePath(QStringLiteral("x.json"))});
        return r.exitCode == 2 && !r.crashed ? r.err.trimmed()
                                             : QStringLiteral("exit %1: %2").arg(r.exitCode).arg(r.err);
    };
    const QString missing = dir.filePath(QStringLiteral("missing.coroscope"));
    QCOMPARE(reportError(missing), QStringLiteral("coroscope report: %1: no such file").arg(missing));
    const QString text =
        writeFile(dir, QStringLiteral("notes.coroscope"), "just some text, not a database\n");
    QVERIFY2(reportError(text).contains(QStringLiteral("not a Coroscope session")),
             qPrintable(reportError(text)));
    const QString foreign = dir.filePath(QStringLiteral("foreign.coroscope"));
    {
        Database db(foreign, Database::Mode::Create);
        db.exec("CREATE TABLE t (x)");
    }
    QCOMPARE(
        reportError(foreign),
        QStringLiteral("coroscope report: %1: not a Coroscope session (an SQLite file of another program)")
            .arg(foreign));
    const QString newer = dir.filePath(QStringLiteral("newer.coroscope"));
    {
        Database db(newer, Database::Mode::Create);
        createSchema(db);
        db.exec("PRAGMA user_version = 99");
    }
    QCOMPARE(
        reportError(newer),
        QStringLiteral(
            "coroscope report: %1: made by a newer Coroscope (session schema 99; this one reads up to %2)")
            .arg(newer)
            .arg(kSchemaVersion));
}

void TestSession::histogramBucketsRoundTrip() {
    Histogram h;
    for (const std::int64_t v :
         std::vector<std::int64_t>{0, 1, 999, 2047, 2048, 123'456, 3'600'000'000, 4'000'000'000})
        h.record(v, std::uint64_t(v % 7 + 1));
    const SparseHistogram sparse = SparseHistogram::of(h);
    std::vector<Histogram::Bucket> parsed;
    QVERIFY(SparseHistogram::parseBuckets(sparse.bucketsBlob(), parsed));
    QCOMPARE(parsed, sparse.buckets);
    SparseHistogram copy = sparse;
    copy.buckets = parsed;
    QVERIFY(copy.toHistogram() == h); // every percentile recomputes exactly
    QVERIFY(!SparseHistogram::parseBuckets(sparse.bucketsBlob().chopped(3), parsed));
}

COROSCOPE_TEST_MAIN(TestSession)
#include "test_session.moc"
