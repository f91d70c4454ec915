// The Chrome trace report (.trace.json): checked against the format's rules (tracevalidator.h)
// for a real run through the binary, as users make it, and for hand-made sessions with the
// awkward cases: nested and overlapping segments, times before the run start, unknown tasks,
// hostile names, no session file at all.
#include "reading/sessionreader.h"
#include "report/chrometrace.h"
#include "report/jsonstream.h"
#include "report/reportformat.h"
#include "session/sessionschema.h"
#include "session/sqlite.h"
#include "tracevalidator.h"

#include <QBuffer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace coroscope;
using namespace coroscope::session;

namespace {

struct Result {
    int exitCode = -1;
    QString err;
};

Result coroscopeCli(const QStringList& arguments) {
    QProcess process;
    process.start(QStringLiteral(COROSCOPE_BINARY), arguments);
    if (!process.waitForFinished(60'000))
        process.kill();
    process.waitForFinished();
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardError())};
}

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& text) {
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

QByteArray readFile(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// 20 workers that sleep three times, one of them spawning a nested task; then one slow callback.
constexpr char kScript[] = R"(
function* child() { yield sleep(2); }
function* worker(i) {
    for (let k = 0; k < 3; ++k) yield sleep(5);
    if (i === 0) yield spawn('nested', child);
    return i;
}
function* main() {
    const tasks = [];
    for (let i = 0; i < 20; ++i) tasks.push(spawn('worker', worker, i));
    yield gather(tasks);
    yield sleep(400); // the watchdog loads its symbols first: the stack needs them
    blockFor(150);
}
)";

// What a script can name a task: markup, a quote, a backslash, line breaks, a lone surrogate
// (made with fromCharCode: moc misreads such characters in a C++ raw string).
constexpr char kHostile[] = R"(
function* evil() { yield sleep(1); blockFor(150); }
function* main() {
    const name = '</script><img src=x onerror=alert(1)>' + String.fromCharCode(34, 92, 10, 0x2028, 0xd800) + ' end';
    yield spawn(name, evil);
}
)";

#define VERIFY_TRACE(check)                                                                                  \
    QVERIFY2((check).errors.isEmpty(), qPrintable((check).errors.mid(0, 10).join(u'\n')))

} // namespace

class TestChromeTrace : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void formatIsChosenByExtensionAndName();
    void stringsAreEscapedAndBounded();
    void realRunGivesAValidTrace();
    void hostileTaskNamesStayValidJson();
    void segmentsNestPerThreadWhateverTheirTimes();
    void withoutSessionFileThereAreNoSegments();
    void cpuSamplesFromBeforeTheStartDoNotOverlap();
    void unreadableSessionOrDeviceIsAnError();
};

void TestChromeTrace::formatIsChosenByExtensionAndName() {
    QCOMPARE(reportFormatForPath(QStringLiteral("a/run.trace.json")), ReportFormat::ChromeTrace);
    QCOMPARE(reportFormatForPath(QStringLiteral("RUN.TRACE.JSON")), ReportFormat::ChromeTrace);
    QCOMPARE(reportFormatForPath(QStringLiteral("run.json")), ReportFormat::Json);
    QCOMPARE(reportFormatForPath(QStringLiteral("trace.html")), ReportFormat::Html);
    QCOMPARE(reportFormatNamed(QStringLiteral("chrome")), ReportFormat::ChromeTrace);
    QVERIFY(reportFormatNames().contains(QStringLiteral("chrome")));
}

void TestChromeTrace::stringsAreEscapedAndBounded() {
    QCOMPARE(jsonQuoted(u"a\"b\\c\nd\u2028</x>&", 100),
             QByteArray(R"("a\"b\\c\nd\u2028\u003c/x\u003e\u0026")"));
    QCOMPARE(jsonQuoted(u"\x01\x1f\x7f", 10), QByteArray(R"("\u0001\u001f\u007f")"));
    QCOMPARE(jsonQuoted(QString(300, u'x'), 256), QByteArray('"' + QByteArray(256, 'x') + "\xE2\x80\xA6\""));
    // A cut never splits a surrogate pair; a lone surrogate becomes one valid character.
    const QString emoji = QString(255, u'x') + QString::fromUtf8("\xF0\x9F\x98\x80") + u'y';
    QCOMPARE(jsonQuoted(emoji, 256), QByteArray('"' + QByteArray(255, 'x') + "\xE2\x80\xA6\""));
    const QByteArray lone = jsonQuoted(QString(QChar(0xD800)), 10);
    const QString back = QJsonDocument::fromJson("[" + lone + "]").array().at(0).toString();
    QVERIFY(back == QStringLiteral("?") || back == QString(QChar(0xFFFD)));
}

void TestChromeTrace::realRunGivesAValidTrace() {
    const QTemporaryDir dir;
    const QString script = writeFile(dir, QStringLiteral("tasks.js"), kScript);
    const QString session = dir.filePath(QStringLiteral("s.coroscope"));
    const QString trace = dir.filePath(QStringLiteral("run.trace.json"));
    const QString json = dir.filePath(QStringLiteral("run.json"));
    const Result run = coroscopeCli({QStringLiteral("run"), script, QStringLiteral("--session"), session,
                                     QStringLiteral("--report"), trace, QStringLiteral("--report"), json});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const QByteArray bytes = readFile(trace);
    const test::TraceCheck check = test::checkTrace(bytes);
    VERIFY_TRACE(check);
    // .json is still the JSON report: .trace.json is told apart first.
    QVERIFY(!readFile(json).contains("traceEvents"));
    QVERIFY(readFile(json).contains("coroscope-report/1"));

    const SessionData data = readSession(session);
    QCOMPARE(data.snapshot.tasks.size(), std::size_t(1 + 20 + 1)); // main, the workers, the nested one
    // One async b/e pair per task, by task id.
    QCOMPARE(check.count("b", "task"), qsizetype(data.snapshot.tasks.size()));
    QCOMPARE(check.count("e", "task"), qsizetype(data.snapshot.tasks.size()));
    std::set<qint64> ids;
    for (const QJsonObject& b : check.all("b", "task"))
        ids.insert(b.value(QLatin1String("id")).toInteger());
    for (const TaskInfo& t : data.snapshot.tasks)
        QVERIFY(ids.count(qint64(t.id)));
    // One slice per segment row; a flow for each task spawned from running code that then ran.
    Database db(session, Database::Mode::ReadOnly);
    QCOMPARE(check.count("X", "segment"), qsizetype(db.scalar("SELECT count(*) FROM segments")));
    const std::int64_t flows = db.scalar(
        "SELECT count(*) FROM tasks t WHERE "
        "(SELECT min(start_ns) FROM segments s WHERE s.task_id = t.id) >= t.created_ns AND "
        "EXISTS (SELECT 1 FROM segments p WHERE p.start_ns <= t.created_ns AND p.end_ns > t.created_ns)");
    QVERIFY(flows >= 21); // every worker and the nested task: all spawned inside a segment
    QCOMPARE(check.count("s", "spawn"), qsizetype(flows));
    QCOMPARE(check.count("f", "spawn"), qsizetype(flows));
    // The slow callback, with its stack as frames and where the script blocked.
    const auto slow = check.all("X", "slow_callback");
    QCOMPARE(slow.size(), std::size_t(1));
    const QJsonObject args = slow[0].value(QLatin1String("args")).toObject();
    QVERIFY(slow[0].value(QLatin1String("dur")).toDouble() >= 140'000); // µs
    QCOMPARE(args.value(QLatin1String("task")).toString(), QStringLiteral("main"));
    QVERIFY(args.value(QLatin1String("location")).toString().endsWith(QStringLiteral("tasks.js:13")));
    const QJsonArray stack = args.value(QLatin1String("stack")).toArray();
    QVERIFY(!stack.isEmpty());
    QVERIFY(std::any_of(stack.begin(), stack.end(), [](const QJsonValue& f) {
        return f.toString().contains(QStringLiteral("blockFor"));
    }));
    // Counters for memory, lag and tasks by state.
    std::set<QString> counters;
    for (const QJsonObject& c : check.all("C"))
        counters.insert(c.value(QLatin1String("name")).toString());
    for (const char* name : {"RSS (MiB)", "loop lag p99 (ms)", "tasks alive", "tasks finished"})
        QVERIFY2(counters.count(QString::fromLatin1(name)), name);

    // coroscope report makes the same trace from the session, by extension or by --format.
    const QString again = dir.filePath(QStringLiteral("again.trace.json"));
    Result report = coroscopeCli({QStringLiteral("report"), session, QStringLiteral("-o"), again});
    QVERIFY2(report.exitCode == 0, qPrintable(report.err));
    QCOMPARE(readFile(again), bytes);
    const QString named = dir.filePath(QStringLiteral("trace.out"));
    report = coroscopeCli({QStringLiteral("report"), session, QStringLiteral("-o"), named,
                           QStringLiteral("--format"), QStringLiteral("chrome")});
    QVERIFY2(report.exitCode == 0, qPrintable(report.err));
    QCOMPARE(readFile(named), bytes);
}

void TestChromeTrace::hostileTaskNamesStayValidJson() {
    const QTemporaryDir dir;
    const QString script = writeFile(dir, QStringLiteral("evil.js"), kHostile);
    const QString trace = dir.filePath(QStringLiteral("evil.trace.json"));
    const Result run =
        coroscopeCli({QStringLiteral("run"), script, QStringLiteral("--session"),
                      dir.filePath(QStringLiteral("s.coroscope")), QStringLiteral("--report"), trace});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const QByteArray bytes = readFile(trace);
    const test::TraceCheck check = test::checkTrace(bytes);
    VERIFY_TRACE(check);
    QVERIFY(!bytes.contains("</script>"));
    QVERIFY(!bytes.contains("<img"));
    // The name comes back whole from the JSON: escaped, not mangled.
    const QString hostile = QStringLiteral("</script><img src=x onerror=alert(1)>\"\\\n") + QChar(0x2028);
    const auto named = [&](const QJsonObject& e) {
        return e.value(QLatin1String("name")).toString().startsWith(hostile);
    };
    const auto begins = check.all("b", "task");
    QCOMPARE(std::count_if(begins.begin(), begins.end(), named), std::ptrdiff_t(1));
    const auto slow = check.all("X", "slow_callback");
    QCOMPARE(slow.size(), std::size_t(1));
    QVERIFY(slow[0]
                .value(QLatin1String("args"))
                .toObject()
                .value(QLatin1String("task"))
                .toString()
                .startsWith(hostile));
}

void TestChromeTrace::segmentsNestPerThreadWhateverTheirTimes() {
    const QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("made.coroscope"));
    {
        Database db(path, Database::Mode::Create);
        createSchema(db);
        Statement insert =
            db.prepare("INSERT INTO segments (task_id, start_ns, end_ns, ready_ns) VALUES (?1,?2,?3,?4)");
        // Run start at 1 ms. Task 1 runs from 0.1 µs; task 5 starts with it and runs inside; task 2
        // runs inside it and task 3 right after, 7 ns past task 1's end (clock skew: clamped).
        const std::int64_t rows[][4] = {{1, 1'000'100, 1'010'000, 0},         {5, 1'000'100, 1'000'150, 0},
                                        {2, 1'000'600, 1'004'000, 1'000'500}, {3, 1'004'000, 1'010'007, 0},
                                        {2, 1'020'000, 1'020'000, 0},         {4, 999'000, 999'500, 0},
                                        {99, 1'030'000, 1'031'234, 0}};
        for (const auto& row : rows)
            insert.bind(1, row[0]).bind(2, row[1]).bind(3, row[2]).bind(4, row[3]).run();
    }
    SessionData data;
    data.path = path;
    data.info.startNs = 1'000'000;
    data.info.durationNs = 100'000;
    // Task 2 is spawned inside task 1's segment, task 3 inside task 2's: flows. Tasks 4 and 5 are
    // spawned outside any segment (before the run start): no slice to start a flow from.
    const std::pair<std::uint64_t, std::int64_t> created[] = {
        {1, 1'000'000}, {2, 1'000'300}, {3, 1'003'000}, {4, 998'000}, {5, 999'999}};
    for (const auto& [id, createdNs] : created) {
        TaskInfo t;
        t.id = id;
        t.name = QStringLiteral("t%1").arg(id);
        t.createdNs = createdNs;
        t.finishedNs = id == 1 ? -1 : 1'040'000;
        t.state = id == 1 ? TaskState::Suspended : TaskState::Completed;
        data.snapshot.tasks.push_back(t);
    }
    const test::TraceCheck check = test::checkTrace(toChromeTrace(data));
    VERIFY_TRACE(check);
    const auto slices = check.all("X", "segment");
    QCOMPARE(slices.size(), std::size_t(7));
    const auto ts = [](const QJsonObject& e, const char* key) {
        return test::traceNs(e.value(QLatin1String(key)).toDouble());
    };
    // In start order, ties longest first; ns kept exactly; before the start → at 0.
    QCOMPARE(slices[0].value(QLatin1String("name")).toString(), QStringLiteral("t4"));
    QCOMPARE(ts(slices[0], "ts"), 0);
    QCOMPARE(ts(slices[0], "dur"), 0);
    QCOMPARE(slices[1].value(QLatin1String("name")).toString(), QStringLiteral("t1"));
    QCOMPARE(slices[2].value(QLatin1String("name")).toString(), QStringLiteral("t5"));
    QCOMPARE(ts(slices[3], "ts"), 600);
    QCOMPARE(ts(slices[3], "dur"), 3400);
    QCOMPARE(
        slices[3].value(QLatin1String("args")).toObject().value(QLatin1String("sched_delay_us")).toDouble(),
        0.1);
    QCOMPARE(ts(slices[4], "ts") + ts(slices[4], "dur"), 10'000); // clamped into task 1's segment
    QCOMPARE(slices[4].value(QLatin1String("args")).toObject().value(QLatin1String("clamped_ns")).toInt(), 7);
    QCOMPARE(slices[6].value(QLatin1String("name")).toString(), QStringLiteral("task #99"));
    QCOMPARE(ts(slices[6], "dur"), 1234);
    // Flows for tasks 2 and 3 only, from the spawn to the first resume.
    const auto starts = check.all("s", "spawn");
    const auto ends = check.all("f", "spawn");
    QCOMPARE(starts.size(), std::size_t(2));
    QCOMPARE(ends.size(), std::size_t(2));
    QCOMPARE(starts[0].value(QLatin1String("id")).toInt(), 2);
    QCOMPARE(ts(starts[0], "ts"), 300);
    QCOMPARE(ts(ends[0], "ts"), 600);
    QCOMPARE(starts[1].value(QLatin1String("id")).toInt(), 3);
    // The unfinished task ends with the run.
    for (const QJsonObject& e : check.all("e", "task"))
        if (e.value(QLatin1String("id")).toInt() == 1) {
            QCOMPARE(ts(e, "ts"), 100'000);
            QVERIFY(e.value(QLatin1String("args")).toObject().value(QLatin1String("unfinished")).toBool());
        }
}

void TestChromeTrace::withoutSessionFileThereAreNoSegments() {
    RunInfo info;
    info.startNs = 5'000'000;
    info.durationNs = 1'000'000;
    RunSnapshot snapshot;
    TaskInfo t;
    t.id = 1;
    t.name = QStringLiteral("main");
    t.createdNs = 5'000'000;
    t.finishedNs = 5'900'000;
    t.state = TaskState::Failed;
    t.error = QStringLiteral("Error: <boom>");
    snapshot.tasks.push_back(t);
    // Two slow callbacks that overlap (the second ends past the first): nested by clamping.
    // A stack of 300 frames: 256 kept, the rest counted.
    QStringList frames;
    for (int i = 0; i < 300; ++i)
        frames << QStringLiteral("#%1 f%1 (x.js:%1)").arg(i);
    for (const auto& [start, duration] : {std::pair{5'100'000, 200'000}, std::pair{5'200'000, 150'000}}) {
        SlowCallback c;
        c.startNs = start;
        c.durationNs = duration;
        c.taskId = 1;
        c.taskName = QStringLiteral("main");
        c.location = QStringLiteral("x.js:3");
        c.stack = frames.join(u'\n');
        snapshot.slowCallbacks.push_back(c);
    }
    const test::TraceCheck check = test::checkTrace(toChromeTrace(sessionDataFromSnapshot(info, snapshot)));
    VERIFY_TRACE(check);
    QCOMPARE(check.count("X", "segment"), 0);
    QCOMPARE(check.count("s"), 0);
    QCOMPARE(check.count("b", "task"), 1);
    QCOMPARE(check.count("e", "task"), 1);
    const auto slow = check.all("X", "slow_callback");
    QCOMPARE(slow.size(), std::size_t(2));
    const QJsonObject second = slow[1].value(QLatin1String("args")).toObject();
    QCOMPARE(second.value(QLatin1String("clamped_ns")).toInt(), 50'000);
    const QJsonArray stack = second.value(QLatin1String("stack")).toArray();
    QCOMPARE(stack.size(), 257);
    QCOMPARE(stack.last().toString(), QStringLiteral("… 44 more frames"));
    const QJsonObject end = check.all("e", "task")[0];
    QCOMPARE(end.value(QLatin1String("args")).toObject().value(QLatin1String("error")).toString(),
             QStringLiteral("Error: <boom>"));
}

void TestChromeTrace::cpuSamplesFromBeforeTheStartDoNotOverlap() {
    // A fresh-clone CI run: the first stack, taken 1 ms after the run's start, stood for 240 ms
    // of CPU (the warm-up); its slice began before the start, was shown from 0 with all its
    // length, and overlapped the next one.
    RunInfo info;
    info.startNs = 500'000'000;
    info.durationNs = 400'000'000;
    session::SessionData data = sessionDataFromSnapshot(info, RunSnapshot{});
    CpuProfile& p = data.cpuProfile;
    p.intervalNs = 1'000'000;
    p.frames = {CpuFrame{}, CpuFrame{1, QStringLiteral("warm"), QStringLiteral("m"), QString(), 0},
                CpuFrame{2, QStringLiteral("work"), QStringLiteral("m"), QString(), 0}};
    p.nodes = {CpuNode{}, CpuNode{1, 0, 0, 0, QString(), 0}, CpuNode{2, 1, 1, 0, QString(), 240},
               CpuNode{3, 1, 2, 0, QString(), 3}};
    p.samples = {CpuSample{501'000'000, 2, 240}, CpuSample{503'000'000, 3, 1}, CpuSample{504'000'000, 3, 2}};
    p.counters.samples = 243;
    const test::TraceCheck check = test::checkTrace(toChromeTrace(data));
    VERIFY_TRACE(check);
    const auto slices = check.all("X", "cpu_sample");
    QCOMPARE(slices.size(), std::size_t(2));
    QCOMPARE(slices[0].value(QLatin1String("ts")).toDouble(), 0.0);
    QCOMPARE(slices[0].value(QLatin1String("dur")).toDouble(), 1000.0); // from the start, no earlier
    QCOMPARE(slices[1].value(QLatin1String("ts")).toDouble(), 2000.0);
    QCOMPARE(slices[1].value(QLatin1String("dur")).toDouble(), 2000.0);
    QCOMPARE(slices[1].value(QLatin1String("args")).toObject().value(QLatin1String("samples")).toInt(), 3);
}

void TestChromeTrace::unreadableSessionOrDeviceIsAnError() {
    const QTemporaryDir dir;
    SessionData data;
    data.path = writeFile(dir, QStringLiteral("not-a-session.coroscope"), QByteArray(4096, 'x'));
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    const auto damaged = writeReport(ReportFormat::ChromeTrace, data, buffer);
    QVERIFY(damaged);
    QVERIFY2(damaged->contains(QStringLiteral("not-a-session.coroscope")), qPrintable(*damaged));
    // A device that refuses the bytes: its own error, for every format.
    data.path.clear();
    for (const ReportFormat format : {ReportFormat::ChromeTrace, ReportFormat::Json}) {
        QBuffer readOnly;
        readOnly.open(QIODevice::ReadOnly);
        QVERIFY(writeReport(format, data, readOnly).has_value());
    }
}

QTEST_GUILESS_MAIN(TestChromeTrace)
#include "test_chrometrace.moc"
