// CSV and Markdown reports: RFC 4180 quoting read back by a strict parser, each --table with exact
// values from a hand-built session, the formula guard, Markdown escaping of hostile script strings
// and its bounds, and both formats from a real session through the coroscope binary.
#include "report/csvreport.h"
#include "report/htmlreport.h"
#include "report/markdownreport.h"
#include "report/reportformat.h"

#include <QFile>
#include <QLocale>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace coroscope;

namespace {

constexpr std::int64_t kStart = 5'000'000'000;
const QString kHostile = QStringLiteral(
    "=cmd|' /C calc'!A0, \"quoted\"\r\nnext `tick` <img src=x onerror=alert(1)> *b* _i_ [l](u)");

using Rows = QList<QStringList>;

// A strict RFC 4180 reader: fails the test on a bare LF line end, a stray quote, or text after a
// closing quote, so a writer that is merely "close" cannot pass.
Rows parseCsv(const QByteArray& bytes) {
    const QString text = QString::fromUtf8(bytes);
    Rows rows;
    QStringList row;
    QString field;
    bool quoted = false, wasQuoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == u'"' && i + 1 < text.size() && text.at(i + 1) == u'"') {
                field += u'"';
                ++i;
            } else if (c == u'"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == u'"') {
            if (!field.isEmpty() || wasQuoted)
                qFatal("stray quote at %lld", qlonglong(i));
            quoted = wasQuoted = true;
        } else if (c == u',') {
            row << field;
            field.clear();
            wasQuoted = false;
        } else if (c == u'\r' && i + 1 < text.size() && text.at(i + 1) == u'\n') {
            row << field;
            rows << row;
            row.clear();
            field.clear();
            wasQuoted = false;
            ++i;
        } else if (c == u'\r' || c == u'\n' || wasQuoted) {
            qFatal("unquoted line break or text after a closing quote at %lld", qlonglong(i));
        } else {
            field += c;
        }
    }
    if (quoted || !field.isEmpty() || !row.isEmpty())
        qFatal("the last record does not end in CRLF");
    return rows;
}

QStringList column(const Rows& rows, const QString& name) {
    const qsizetype index = rows.value(0).indexOf(name);
    QStringList values;
    for (qsizetype r = 1; r < rows.size(); ++r)
        values << rows[r].value(index);
    return values;
}

session::SessionData makeData() {
    session::SessionData d;
    d.path = QStringLiteral("/tmp/x.coroscope");
    d.finished = true;
    d.info.script = QStringLiteral("scripts/fetch.js");
    d.info.status = RunStatus::Completed;
    d.info.startNs = kStart;
    d.info.durationNs = 2'500'000'000;
    d.info.slowThresholdNs = 50'000'000;
    d.info.params = {{QStringLiteral("ms"), QStringLiteral("10")}};
    RunSnapshot& s = d.snapshot;
    TaskInfo main;
    main.id = 1;
    main.name = QStringLiteral("main");
    main.state = TaskState::Completed;
    main.createdNs = kStart + 1'000'000;
    main.finishedNs = kStart + 2'400'000'000;
    main.busyNs = 1'234'567;
    main.idleNs = 7'654'321;
    main.schedNs = 12'345;
    main.resumes = 3;
    main.spawnLocation = QStringLiteral("fetch.js:1");
    TaskInfo hostile;
    hostile.id = 2;
    hostile.parentId = 1;
    hostile.name = kHostile;
    hostile.state = TaskState::Failed;
    hostile.createdNs = kStart - 500'000; // before the workload: a negative time
    hostile.finishedNs = kStart + 9'000'000;
    hostile.error = QStringLiteral("-boom, \"bad\"");
    hostile.spawnLocation = QStringLiteral("fetch.js:7");
    hostile.allocatedBytes = 10'000;
    hostile.liveBytes = 8'000;
    TaskInfo waiting;
    waiting.id = 3;
    waiting.parentId = 1;
    waiting.name = QStringLiteral("fetch");
    waiting.state = TaskState::Suspended;
    waiting.createdNs = kStart + 2'000'000;
    waiting.awaiting = QStringLiteral("sleep(100 ms)");
    s.tasks = {main, hostile, waiting};
    s.tasksTotal = 3;
    s.tasksByState[std::size_t(TaskState::Completed)] = 1;
    s.tasksByState[std::size_t(TaskState::Failed)] = 1;
    s.tasksByState[std::size_t(TaskState::Suspended)] = 1;
    for (int i = 0; i < 12; ++i) {
        SlowCallback c;
        c.startNs = kStart + 100'000'000 * i;
        c.durationNs = 60'000'000 + 10'000'000 * i; // the last is the worst: 170 ms
        c.taskId = 2;
        c.taskName = kHostile;
        c.location = QStringLiteral("fetch.js:7");
        c.eventType = QStringLiteral("Timer");
        c.stack = QStringLiteral("#0 burn() at fetch.js:7\n#1 ```evil``` at x.js:1\n");
        s.slowCallbacks.push_back(c);
    }
    Diagnostic error;
    error.rule = QStringLiteral("exception-never-retrieved");
    error.severity = Severity::Error;
    error.message = QStringLiteral("Task failed: <b>boom</b> | x");
    error.taskId = 2;
    error.taskName = QStringLiteral("worker");
    s.diagnostics = {error};
    LatencyMetric fetch;
    fetch.name = QStringLiteral("fetch|p99`x");
    for (int v : {1000, 2000, 3000, 4000})
        fetch.micros.record(v);
    s.latency.push_back(std::move(fetch));
    s.loopLagMicros.record(250);
    s.loopUtilization = 0.5;
    s.memoryStats.rssEndBytes = 48 * 1024 * 1024;
    s.memoryStats.rssPeakBytes = 64 * 1024 * 1024;
    session::TimePoint known;
    known.tNs = kStart + 100'000'000;
    known.lagP50Ns = 1'500'000;
    known.lagP90Ns = 2'000'000;
    known.lagP99Ns = 3'000'000;
    known.lagMaxNs = 4'000'000;
    known.utilization = 0.25;
    known.rssBytes = 1000;
    known.heapBytes = 500;
    known.tasksByState[std::size_t(TaskState::Running)] = 2;
    session::TimePoint unknown;
    unknown.tNs = kStart + 200'000'000;
    d.timeSeries = {known, unknown};
    return d;
}

QString str(const char* text) {
    return QString::fromUtf8(text);
}
QString str(const QString& text) {
    return text;
}
/// A QStringList from string literals and QStrings (QT_NO_CAST_FROM_ASCII forbids the plain braces).
template <typename... T>
QStringList L(const T&... values) {
    return QStringList{str(values)...};
}

// The document with its code blocks and code spans taken out (CommonMark: a span closes at a run
// of exactly as many backticks as opened it).
QString withoutCode(const QString& md) {
    static const QRegularExpression block(QStringLiteral("^(`{3,})\\n.*?\\n\\1$"),
                                          QRegularExpression::MultilineOption |
                                              QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression span(QStringLiteral("(?<!`)(`+)(?!`).*?(?<!`)\\1(?!`)"));
    return QString(md).remove(block).remove(span);
}

int unescapedPipes(const QString& line) {
    int n = 0;
    for (qsizetype i = 0; i < line.size(); ++i)
        n += line.at(i) == u'|' && (i == 0 || line.at(i - 1) != u'\\') ? 1 : 0;
    return n;
}

struct Cli {
    int exitCode = -1;
    QString err;
};
Cli coroscopeCli(const QStringList& arguments) {
    QProcess p;
    p.start(QStringLiteral(COROSCOPE_BINARY), arguments);
    if (!p.waitForFinished(60'000))
        p.kill();
    p.waitForFinished();
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardError())};
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestReportFormats : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void formatsFromExtensionsAndNames() {
        QVERIFY(reportFormatForPath(QStringLiteral("a/B.CSV")) == ReportFormat::Csv);
        QVERIFY(reportFormatForPath(QStringLiteral("summary.md")) == ReportFormat::Markdown);
        QVERIFY(reportFormatNamed(QStringLiteral("md")) == ReportFormat::Markdown);
        QVERIFY(reportFormatNamed(QStringLiteral("csv")) == ReportFormat::Csv);
        QVERIFY(reportFormatForPath(QStringLiteral("r.json")) == ReportFormat::Json); // unchanged
        QVERIFY(!reportFormatForPath(QStringLiteral("x.pdf")));
        for (const CsvTable t :
             {CsvTable::Tasks, CsvTable::SlowCallbacks, CsvTable::Latency, CsvTable::TimeSeries})
            QVERIFY(csvTableNamed(csvTableName(t)) == t);
        QVERIFY(!csvTableNamed(QStringLiteral("Tasks")));
    }

    void csvFieldQuoting() {
        QCOMPARE(csvField(QStringLiteral("plain text")), QStringLiteral("plain text"));
        QCOMPARE(csvField(QString()), QString());
        QCOMPARE(csvField(QStringLiteral("a,b")), QStringLiteral("\"a,b\""));
        QCOMPARE(csvField(QStringLiteral("say \"hi\"")), QStringLiteral("\"say \"\"hi\"\"\""));
        QCOMPARE(csvField(QStringLiteral("a\nb")), QStringLiteral("\"a\nb\""));
        QCOMPARE(csvField(QStringLiteral("a\rb")), QStringLiteral("\"a\rb\""));
        // The formula guard: text only, and only a leading = + - @ TAB CR.
        QCOMPARE(csvText(QStringLiteral("=SUM(A1)")), QStringLiteral("'=SUM(A1)"));
        QCOMPARE(csvText(QStringLiteral("-2+3")), QStringLiteral("'-2+3"));
        QCOMPARE(csvText(QStringLiteral("@x")), QStringLiteral("'@x"));
        QCOMPARE(csvText(QStringLiteral("+x")), QStringLiteral("'+x"));
        QCOMPARE(csvText(QStringLiteral("\tx")), QStringLiteral("'\tx"));
        QCOMPARE(csvText(QStringLiteral("=1,2")), QStringLiteral("\"'=1,2\""));
        QCOMPARE(csvText(QStringLiteral("a=b")), QStringLiteral("a=b"));
    }

    void csvTasksTable() {
        const QByteArray bytes = toCsvReport(makeData(), CsvTable::Tasks);
        QVERIFY(bytes.startsWith(
            "id,name,parent_id,state,created_ms,finished_ms,busy_ms,idle_ms,sched_ms,resumes,"
            "spawn_location,awaiting,error,alloc_bytes,live_bytes\r\n"));
        const Rows rows = parseCsv(bytes);
        QCOMPARE(rows.size(), 4);
        for (const QStringList& row : rows)
            QCOMPARE(row.size(), 15);
        QCOMPARE(rows[1], L("1", "main", "", "completed", "1", "2400", "1.235", "7.654", "0.012", "3",
                            "fetch.js:1", "", "", "0", "0"));
        // The hostile name survives every quote, comma and line break, behind the formula guard.
        QCOMPARE(rows[2][1], QStringLiteral("'") + kHostile);
        QCOMPARE(rows[2][2], QStringLiteral("1"));
        QCOMPARE(rows[2][4], QStringLiteral("-0.5")); // numbers are never guarded
        QCOMPARE(rows[2][12], QStringLiteral("'-boom, \"bad\""));
        QCOMPARE(rows[3][5], QString()); // unfinished
        QCOMPARE(rows[3][11], QStringLiteral("sleep(100 ms)"));
    }

    void csvOtherTables() {
        const session::SessionData data = makeData();
        const Rows slow = parseCsv(toCsvReport(data, CsvTable::SlowCallbacks));
        QCOMPARE(slow[0], L("t_ms", "duration_ms", "task", "task_id", "location", "event", "receiver",
                            "ongoing", "stack"));
        QCOMPARE(slow.size(), 13);
        QCOMPARE(slow[2], L("100", "70", QStringLiteral("'") + kHostile, "2", "fetch.js:7", "Timer", "",
                            "false", "#0 burn() at fetch.js:7\n#1 ```evil``` at x.js:1"));

        const Rows latency = parseCsv(toCsvReport(data, CsvTable::Latency));
        QCOMPARE(latency[0], L("kind", "name", "count", "mean_ms", "min_ms", "p50_ms", "p90_ms", "p95_ms",
                               "p99_ms", "p999_ms", "max_ms"));
        QCOMPARE(latency[1], L("metric", "fetch|p99`x", "4", "2.5", "1", "2", "4", "4", "4", "4", "4"));
        QCOMPARE(latency[2], L("loop_lag", "loop lag", "1", "0.25", "0.25", "0.25", "0.25", "0.25", "0.25",
                               "0.25", "0.25"));

        const Rows series = parseCsv(toCsvReport(data, CsvTable::TimeSeries));
        QCOMPARE(series[0].mid(0, 9), L("t_ms", "lag_p50_ms", "lag_p90_ms", "lag_p99_ms", "lag_max_ms",
                                        "utilization", "rss_bytes", "heap_bytes", "tasks_created"));
        QCOMPARE(series[0].size(), 8 + kTaskStateCount);
        QCOMPARE(series[1],
                 L("100", "1.5", "2", "3", "4", "0.2500", "1000", "500", "0", "0", "2", "0", "0", "0", "0"));
        // Unknown values are empty, not -1.
        QCOMPARE(series[2].mid(0, 8), L("200", "", "", "", "", "", "", ""));
    }

    void csvNumbersIgnoreTheLocale() {
        const QLocale saved;
        QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
        const QByteArray bytes = toCsvReport(makeData(), CsvTable::Tasks);
        QLocale::setDefault(saved);
        QVERIFY(bytes.contains(",1.235,7.654,0.012,"));
    }

    void markdownEscaping() {
        QCOMPARE(markdown::text(QStringLiteral("<img src=x>&amp;")),
                 QStringLiteral("&lt;img src=x&gt;&amp;amp;"));
        QCOMPARE(markdown::text(QStringLiteral("a|b `c` *d* _e_ [f] ~g~ \\")),
                 QStringLiteral("a\\|b \\`c\\` \\*d\\* \\_e\\_ \\[f\\] \\~g\\~ \\\\"));
        QCOMPARE(markdown::text(QStringLiteral("line\r\n# heading")), QStringLiteral("line  # heading"));
        QCOMPARE(markdown::text(QString(500, u'x'), 10), QString(10, u'x') + QStringLiteral("…"));
        QCOMPARE(markdown::code(QStringLiteral("plain")), QStringLiteral("`plain`"));
        QCOMPARE(markdown::code(QStringLiteral("a`b")), QStringLiteral("``a`b``"));
        QCOMPARE(markdown::code(QStringLiteral("`x``")), QStringLiteral("``` `x`` ```"));
        QCOMPARE(markdown::code(QStringLiteral("a|b")), QStringLiteral("`a|b`"));
        QCOMPARE(markdown::code(QStringLiteral("a|b"), 200, true), QStringLiteral("`a\\|b`"));
        QCOMPARE(markdown::code(QStringLiteral("a\nb")), QStringLiteral("`a b`"));
        QCOMPARE(markdown::code(QString()), QStringLiteral("—"));
        const QString block = markdown::codeBlock({QStringLiteral("x ```` y"), QStringLiteral("z")});
        QCOMPARE(block, QStringLiteral("`````\nx ```` y\nz\n`````\n"));
    }

    void markdownReportContent() {
        const QString md = QString::fromUtf8(toMarkdownReport(makeData()));
        QVERIFY2(md.startsWith(QStringLiteral("## Coroscope: `fetch.js` — completed after 2.50 s\n")),
                 qPrintable(md));
        QVERIFY(
            md.contains(QStringLiteral("**12 slow callbacks** over 50.0 ms; the worst: 170 ms in task ")));
        QVERIFY(md.contains(QStringLiteral("at `fetch.js:7`.")));
        QVERIFY(md.contains(QStringLiteral("**1 failed task**: ")));
        QVERIFY(md.contains(QStringLiteral("`-boom, \"bad\"`")));
        QVERIFY(md.contains(
            QStringLiteral("Memory: RSS 48.0 MiB at the end, peak 64.0 MiB; no task kept growing.")));
        QVERIFY(md.contains(
            QStringLiteral("error `exception-never-retrieved` ×1: Task failed: &lt;b&gt;boom&lt;/b&gt; "
                           "\\| x (task `worker` #2)")));
        QVERIFY(
            md.contains(QStringLiteral("| Metric | Count | Mean | p50 | p90 | p95 | p99 | p99.9 | Max |\n")));
        QVERIFY(md.contains(QStringLiteral("| ``fetch\\|p99`x`` | 4 | 2.50 ms | 2.00 ms | 4.00 ms |")));
        QVERIFY(md.contains(QStringLiteral("| *event-loop lag* | 1 | 250 µs |")));
        QVERIFY(md.contains(QStringLiteral("10 of 12, longest first.")));
        QVERIFY(md.contains(QStringLiteral("**1. 170 ms**")));
        QVERIFY(!md.contains(QStringLiteral("**11. ")));
        QVERIFY(
            md.contains(QStringLiteral("````\n#0 burn() at fetch.js:7\n#1 ```evil``` at x.js:1\n````\n")));
        // No raw HTML from the script, and every table row keeps its nine columns.
        // No HTML from the script outside code, where it shows as text.
        QVERIFY2(!withoutCode(md).contains(u'<'), qPrintable(withoutCode(md)));
        QVERIFY(md.contains(QStringLiteral("``=cmd|' /C calc'!A0, \"quoted\"  next `tick` <img src=x")));
        for (const QString& line : md.split(u'\n'))
            if (line.startsWith(u'|'))
                QVERIFY2(unescapedPipes(line) == 10, qPrintable(line));
    }

    void reportsEndWithTheScriptsLastLogLines() {
        session::SessionData data = makeData();
        for (int i = 1; i <= 300; ++i)
            data.logs.push_back({data.info.startNs + i * 1'000'000,
                                 i == 300 ? QStringLiteral("reached <img src=x> ") + QString(10'000, u'x')
                                          : QStringLiteral("line %1").arg(i)});
        const QString html = QString::fromUtf8(toHtmlReport(data));
        QVERIFY(html.contains(QStringLiteral("<a href=\"#log\">Log</a><a href=\"#script\">")));
        QVERIFY(html.contains(QStringLiteral("The last 200 of 300 lines")));
        QVERIFY(html.contains(QStringLiteral("line 101\n")) && !html.contains(QStringLiteral("line 100\n")));
        QVERIFY(html.contains(QStringLiteral("+299 ms</span> line 299")));
        QVERIFY(html.contains(QStringLiteral("reached &lt;img src=x&gt; xxx")) &&
                !html.contains(QStringLiteral("<img")));
        QVERIFY(!html.contains(QString(600, u'x'))); // each line bounded
        const QString md = QString::fromUtf8(toMarkdownReport(data));
        QVERIFY(md.contains(QStringLiteral("### Log")));
        QVERIFY(md.contains(QStringLiteral("The last 20 of 300 lines.")));
        QVERIFY(md.contains(QStringLiteral("+281 ms line 281")) &&
                !md.contains(QStringLiteral("line 280\n")));
        QVERIFY2(!withoutCode(md).contains(QStringLiteral("<img")), qPrintable(withoutCode(md).right(500)));
        // No log, no section.
        data.logs.clear();
        QVERIFY(!QString::fromUtf8(toHtmlReport(data)).contains(QStringLiteral("id=\"log\"")));
        QVERIFY(!QString::fromUtf8(toMarkdownReport(data)).contains(QStringLiteral("### Log")));
    }

    void markdownIsBounded() {
        session::SessionData data = makeData();
        for (int i = 0; i < 500; ++i) {
            LatencyMetric m;
            m.name = QString(5000, QChar(u'a' + i % 26));
            m.micros.record(i);
            data.snapshot.latency.push_back(std::move(m));
            Diagnostic d;
            d.rule = QStringLiteral("rule-") + QString::number(i);
            d.message = QString(10'000, u'm');
            data.snapshot.diagnostics.push_back(d);
        }
        data.snapshot.slowCallbacks[11].stack = QString(100'000, u's');
        const QByteArray md = toMarkdownReport(data);
        QVERIFY2(md.size() < 65'536, QByteArray::number(md.size()).constData()); // a GitHub comment's limit
        QVERIFY(md.contains("451 more metrics are in the JSON report."));
    }

    void fromARealSession() {
        const QTemporaryDir dir;
        const QString script = dir.filePath(QStringLiteral("real.js"));
        QFile file(script);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"(
function* work(i) { yield sleep(2); if (i == 3) throw new Error('bad, "worse"'); return i; }
function* main() {
    for (let i = 0; i < 5; ++i) {
        try { yield measure('fetch, "x"', spawn('=task, "q"\nline2', work, i)); } catch (e) {}
    }
    blockFor(120);
}
)");
        file.close();
        const QString session = dir.filePath(QStringLiteral("s.coroscope"));
        const QString csv = dir.filePath(QStringLiteral("r.csv"));
        const QString md = dir.filePath(QStringLiteral("r.md"));
        Cli run = coroscopeCli({QStringLiteral("run"), script, QStringLiteral("--session"), session,
                                QStringLiteral("--report"), csv, QStringLiteral("--report"), md});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));

        const Rows tasks = parseCsv(readAll(csv));
        QCOMPARE(tasks[0].size(), 15);
        QCOMPARE(column(tasks, QStringLiteral("name")).count(QStringLiteral("'=task, \"q\"\nline2")), 5);
        const QStringList errors = column(tasks, QStringLiteral("error"));
        QVERIFY2(std::any_of(errors.begin(), errors.end(),
                             [](const QString& e) { return e.contains(QStringLiteral("bad, \"worse\"")); }),
                 qPrintable(errors.join(u'|')));

        const QString markdown = QString::fromUtf8(readAll(md));
        // At least the blockFor(120); a loaded machine may add one of its own.
        QVERIFY2(markdown.contains(
                     QRegularExpression(QStringLiteral("❌ \\*\\*\\d+ slow callbacks?\\*\\* over 100 ms"))),
                 qPrintable(markdown));
        QVERIFY(markdown.contains(QStringLiteral("**1 failed task**")));
        QVERIFY(markdown.contains(QStringLiteral("| `fetch, \"x\"` | 5 |")));

        for (const QString& table : {QStringLiteral("tasks"), QStringLiteral("slow_callbacks"),
                                     QStringLiteral("latency"), QStringLiteral("timeseries")}) {
            const QString out = dir.filePath(table + QStringLiteral(".txt"));
            const Cli report = coroscopeCli({QStringLiteral("report"), session, QStringLiteral("-o"), out,
                                             QStringLiteral("--format"), QStringLiteral("csv"),
                                             QStringLiteral("--table"), table});
            QVERIFY2(report.exitCode == 0, qPrintable(report.err));
            const Rows rows = parseCsv(readAll(out));
            QVERIFY2(rows.size() >= 2, qPrintable(table)); // a header and at least one row
            for (const QStringList& row : rows)
                QCOMPARE(row.size(), rows[0].size());
        }
        const Rows slow = parseCsv(readAll(dir.filePath(QStringLiteral("slow_callbacks.txt"))));
        QVERIFY(column(slow, QStringLiteral("duration_ms")).value(0).toDouble() >= 100);
        const Rows latency = parseCsv(readAll(dir.filePath(QStringLiteral("latency.txt"))));
        QCOMPARE(column(latency, QStringLiteral("name")), L("fetch, \"x\"", "loop lag"));

        const Cli wrongFormat = coroscopeCli({QStringLiteral("report"), session, QStringLiteral("-o"),
                                              dir.filePath(QStringLiteral("r.json")),
                                              QStringLiteral("--table"), QStringLiteral("latency")});
        QCOMPARE(wrongFormat.exitCode, 2);
        QVERIFY(wrongFormat.err.contains(QStringLiteral("--table applies to CSV reports only")));
        const Cli unknownTable = coroscopeCli({QStringLiteral("report"), session, QStringLiteral("-o"), csv,
                                               QStringLiteral("--table"), QStringLiteral("x")});
        QCOMPARE(unknownTable.exitCode, 2);
        QVERIFY(unknownTable.err.contains(csvTableNames()));
    }
};

QTEST_GUILESS_MAIN(TestReportFormats)
#include "test_reportformats.moc"
