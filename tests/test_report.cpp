// Report writers: the JSON report against its schema (coroscope-report/1, docs/report-json.md) with
// exact values from hand-built snapshots, the validator's verdicts, and the HTML report's escaping,
// bounds and self-containment.
#include "jsonreportvalidator.h"
#include "model/histogram.h"
#include "model/runinfo.h"
#include "model/runmodel.h"
#include "report/htmlreport.h"
#include "report/jsonreport.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <random>

using namespace coroscope;

namespace {

constexpr std::int64_t kStart = 5'000'000'000; // the workload starts 5 s after the process origin

const QString kHostileName = QStringLiteral("<img src=x onerror=alert(1)>");
const QString kHostileScript = QStringLiteral("<script>alert(1)</script>");

RunInfo makeRun() {
    RunInfo run;
    run.script = QStringLiteral("scripts/fetch.js");
    run.scriptSource =
        QStringLiteral("const n = param('n');\nfor (let i = 0; i < n; ++i)\n    spawn(fetch);\n");
    run.status = RunStatus::DurationElapsed;
    run.startNs = kStart;
    run.durationNs = 2'500'000'000;
    run.slowThresholdNs = 50'000'000;
    run.seed = 123'456'789'012;
    run.params = {{QStringLiteral("n"), QStringLiteral("10")},
                  {QStringLiteral("mode"), QStringLiteral("fast")}};
    run.coroscopeVersion = QStringLiteral("0.1.0");
    return run;
}

TaskInfo makeTask(std::uint64_t id, std::uint64_t parent, const QString& name, TaskState state) {
    TaskInfo t;
    t.id = id;
    t.parentId = parent;
    t.name = name;
    t.state = state;
    t.spawnLocation = QStringLiteral("fetch.js:") + QString::number(id);
    return t;
}

RunSnapshot makeSnapshot() {
    RunSnapshot s;
    TaskInfo main = makeTask(1, 0, QStringLiteral("main"), TaskState::Completed);
    main.createdNs = kStart + 1'000'000;
    main.finishedNs = kStart + 2'400'000'000;
    main.busyNs = 1'234'567;
    main.idleNs = 7'654'321;
    main.schedNs = 12'345;
    main.resumes = 3;
    main.allocatedBytes = 4096;
    main.liveBytes = 0;
    TaskInfo fetch = makeTask(2, 1, QStringLiteral("fetch"), TaskState::Suspended);
    fetch.createdNs = kStart + 2'000'000;
    fetch.busyNs = 500;
    fetch.awaiting = QStringLiteral("sleep(100 ms)");
    fetch.allocatedBytes = 10'000;
    fetch.liveBytes = 8'000;
    TaskInfo worker = makeTask(3, 1, QStringLiteral("worker"), TaskState::Failed);
    worker.createdNs = kStart + 3'000'000;
    worker.finishedNs = kStart + 9'000'000;
    worker.error = QStringLiteral("boom");
    s.tasks = {main, fetch, worker};
    // Distinct counts, so a state mapped to the wrong name cannot go unnoticed.
    s.tasksByState = {0, 2, 6, 1, 5, 3, 4};
    s.tasksTotal = 21;

    SlowCallback withTask;
    withTask.startNs = kStart + 750'000'000;
    withTask.durationNs = 312'345'678;
    withTask.taskId = 1;
    withTask.taskName = QStringLiteral("main");
    withTask.eventType = QStringLiteral("Timer");
    withTask.stack = QStringLiteral("#0 burn() at fetch.js:7\n#1 main() at fetch.js:3\n");
    withTask.location = QStringLiteral("fetch.js:7");
    SlowCallback noTask;
    noTask.startNs = kStart + 1'500'000'000;
    noTask.durationNs = 60'000'000;
    noTask.ongoing = true;
    s.slowCallbacks = {withTask, noTask};

    Diagnostic warning;
    warning.rule = QStringLiteral("slow-callback");
    warning.severity = Severity::Warning;
    warning.message = QStringLiteral("A callback blocked the event loop for 312 ms");
    Diagnostic error;
    error.rule = QStringLiteral("exception-never-retrieved");
    error.severity = Severity::Error;
    error.message = QStringLiteral("Task 'worker' failed and nobody awaited it: boom");
    error.taskId = 3;
    error.taskName = QStringLiteral("worker");
    error.location = QStringLiteral("fetch.js:3");
    s.diagnostics = {warning, error};

    std::mt19937_64 rng(7);
    std::lognormal_distribution<double> spread(8.0, 1.0); // ~3 ms median, long tail, in µs
    for (int i = 0; i < 5000; ++i)
        s.loopLagMicros.record(std::llround(spread(rng) / 10));
    LatencyMetric request;
    request.name = QStringLiteral("request");
    for (int i = 0; i < 2000; ++i)
        request.micros.record(std::llround(spread(rng)));
    s.latency.push_back(std::move(request));
    s.loopUtilization = 0.42;

    s.memoryStats.rssStartBytes = 20'000'000;
    s.memoryStats.rssPeakBytes = 64'000'000;
    s.memoryStats.rssEndBytes = 48'000'000;
    s.memoryStats.rssGrowthBytesPerSecond = 1'250'000.5;
    return s;
}

QJsonObject parse(const QByteArray& json) {
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("%s", qPrintable(error.errorString()));
    return doc.object();
}

QJsonObject reportObject() {
    return parse(toJsonReport(makeRun(), makeSnapshot()));
}

QByteArray serialize(const QJsonObject& o) {
    return QJsonDocument(o).toJson();
}

QJsonObject itemWithId(const QJsonArray& items, qint64 id) {
    for (const QJsonValue& v : items)
        if (v.toObject().value(QLatin1String("id")).toInteger(-1) == id)
            return v.toObject();
    return {};
}

// Percentiles are integral µs, so the report's µs rounding must leave them exact.
void compareDistribution(const QJsonObject& o, const Histogram& h) {
    QCOMPARE(o.value(QLatin1String("count")).toInteger(-1), qint64(h.count()));
    QCOMPARE(o.value(QLatin1String("mean_ms")).toDouble(-1), std::round(h.mean()) / 1000.0);
    QCOMPARE(o.value(QLatin1String("min_ms")).toDouble(-1), double(h.min()) / 1000.0);
    QCOMPARE(o.value(QLatin1String("p50_ms")).toDouble(-1), double(h.percentile(50)) / 1000.0);
    QCOMPARE(o.value(QLatin1String("p90_ms")).toDouble(-1), double(h.percentile(90)) / 1000.0);
    QCOMPARE(o.value(QLatin1String("p95_ms")).toDouble(-1), double(h.percentile(95)) / 1000.0);
    QCOMPARE(o.value(QLatin1String("p99_ms")).toDouble(-1), double(h.percentile(99)) / 1000.0);
    QCOMPARE(o.value(QLatin1String("p999_ms")).toDouble(-1), double(h.percentile(99.9)) / 1000.0);
    QCOMPARE(o.value(QLatin1String("max_ms")).toDouble(-1), double(h.max()) / 1000.0);
}

// Linear, unlike QByteArray::contains() with a megabyte-long needle of one repeated byte.
qsizetype longestRun(const QByteArray& text, char c) {
    qsizetype longest = 0;
    qsizetype current = 0;
    for (const char ch : text) {
        current = ch == c ? current + 1 : 0;
        longest = std::max(longest, current);
    }
    return longest;
}

RunSnapshot hostileSnapshot() {
    RunSnapshot s = makeSnapshot();
    s.tasks[0].name = kHostileName;
    s.tasks[1].error = kHostileScript;
    s.tasks[2].awaiting = kHostileName;
    s.tasks[2].spawnLocation = kHostileScript;
    s.slowCallbacks[0].taskName = kHostileName;
    s.slowCallbacks[0].stack = QStringLiteral("#0 ") + kHostileScript + QStringLiteral("\n#1 main()\n");
    s.slowCallbacks[0].location = kHostileName;
    s.diagnostics[0].message = QStringLiteral("blocked in ") + kHostileScript;
    s.diagnostics[1].taskName = kHostileName;
    s.latency[0].name = kHostileScript;
    return s;
}

RunInfo hostileRun() {
    RunInfo run = makeRun();
    run.script = QStringLiteral("x\"><img src=x onerror=alert(1)>.js");
    run.scriptSource = QStringLiteral("// </pre>") + kHostileScript + QStringLiteral("\nspawn('") +
                       kHostileName + QStringLiteral("');\n");
    run.params.emplace_back(QStringLiteral("<b>k</b>"), kHostileScript);
    run.coroscopeVersion = kHostileName;
    return run;
}

} // namespace

class TestReport : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void runStatusNames() {
        QCOMPARE(runStatusName(RunStatus::Completed), QStringLiteral("completed"));
        QCOMPARE(runStatusName(RunStatus::Failed), QStringLiteral("failed"));
        QCOMPARE(runStatusName(RunStatus::DurationElapsed), QStringLiteral("duration-elapsed"));
        QCOMPARE(runStatusName(RunStatus::Interrupted), QStringLiteral("interrupted"));
        QCOMPARE(runStatusName(RunStatus::MemoryLimit), QStringLiteral("memory-limit"));
        QCOMPARE(runStatusName(RunStatus::TaskLimit), QStringLiteral("task-limit"));
    }

    void jsonTopLevel() {
        const QJsonObject root = reportObject();
        const QStringList keys = root.keys();
        const QSet<QString> actual(keys.begin(), keys.end());
        const QSet<QString> expected{QStringLiteral("schema"),         QStringLiteral("run"),
                                     QStringLiteral("slow_callbacks"), QStringLiteral("tasks"),
                                     QStringLiteral("latency"),        QStringLiteral("loop"),
                                     QStringLiteral("memory"),         QStringLiteral("diagnostics")};
        QCOMPARE(actual, expected);
        QCOMPARE(root.value(QLatin1String("schema")).toString(), QStringLiteral("coroscope-report/1"));
    }

    void jsonRun() {
        const QJsonObject run = reportObject().value(QLatin1String("run")).toObject();
        QCOMPARE(run.value(QLatin1String("script")).toString(), QStringLiteral("scripts/fetch.js"));
        QCOMPARE(run.value(QLatin1String("status")).toString(), QStringLiteral("duration-elapsed"));
        QCOMPARE(run.value(QLatin1String("duration_ms")).toDouble(), 2500.0);
        QCOMPARE(run.value(QLatin1String("slow_threshold_ms")).toDouble(), 50.0);
        QCOMPARE(run.value(QLatin1String("seed")).toInteger(), qint64(123'456'789'012));
        const QJsonObject params = run.value(QLatin1String("params")).toObject();
        QCOMPARE(params.size(), 2);
        QCOMPARE(params.value(QLatin1String("n")).toString(), QStringLiteral("10"));
        QCOMPARE(params.value(QLatin1String("mode")).toString(), QStringLiteral("fast"));
        QCOMPARE(run.value(QLatin1String("coroscope_version")).toString(), QStringLiteral("0.1.0"));
        QVERIFY(!run.contains(QLatin1String("script_source"))); // the source is the HTML report's
        QVERIFY(!toJsonReport(makeRun(), makeSnapshot()).contains("spawn(fetch)"));
    }

    void jsonTasks() {
        const QJsonObject tasks = reportObject().value(QLatin1String("tasks")).toObject();
        QCOMPARE(tasks.value(QLatin1String("total")).toInteger(), qint64(21));
        const QJsonObject byState = tasks.value(QLatin1String("by_state")).toObject();
        QCOMPARE(byState.size(), 7);
        QCOMPARE(byState.value(QLatin1String("created")).toInteger(-1), qint64(0));
        QCOMPARE(byState.value(QLatin1String("scheduled")).toInteger(-1), qint64(2));
        QCOMPARE(byState.value(QLatin1String("running")).toInteger(-1), qint64(6));
        QCOMPARE(byState.value(QLatin1String("suspended")).toInteger(-1), qint64(1));
        QCOMPARE(byState.value(QLatin1String("completed")).toInteger(-1), qint64(5));
        QCOMPARE(byState.value(QLatin1String("failed")).toInteger(-1), qint64(3));
        QCOMPARE(byState.value(QLatin1String("cancelled")).toInteger(-1), qint64(4));

        const QJsonArray items = tasks.value(QLatin1String("items")).toArray();
        QCOMPARE(items.size(), 3);
        const QJsonObject main = itemWithId(items, 1);
        QCOMPARE(main.value(QLatin1String("name")).toString(), QStringLiteral("main"));
        QVERIFY(main.value(QLatin1String("parent_id")).isNull());
        QCOMPARE(main.value(QLatin1String("state")).toString(), QStringLiteral("completed"));
        QCOMPARE(main.value(QLatin1String("created_ms")).toDouble(), 1.0);
        QCOMPARE(main.value(QLatin1String("finished_ms")).toDouble(), 2400.0);
        QCOMPARE(main.value(QLatin1String("busy_ms")).toDouble(), 1.235);
        QCOMPARE(main.value(QLatin1String("idle_ms")).toDouble(), 7.654);
        QCOMPARE(main.value(QLatin1String("sched_ms")).toDouble(), 0.012);
        QCOMPARE(main.value(QLatin1String("resumes")).toInteger(), qint64(3));
        QCOMPARE(main.value(QLatin1String("spawn_location")).toString(), QStringLiteral("fetch.js:1"));
        QVERIFY(main.value(QLatin1String("awaiting")).isNull());
        QVERIFY(main.value(QLatin1String("error")).isNull());
        QCOMPARE(main.value(QLatin1String("alloc_bytes")).toInteger(), qint64(4096));
        QCOMPARE(main.value(QLatin1String("live_bytes")).toInteger(-1), qint64(0));

        const QJsonObject fetch = itemWithId(items, 2);
        QCOMPARE(fetch.value(QLatin1String("parent_id")).toInteger(), qint64(1));
        QVERIFY(fetch.contains(QLatin1String("finished_ms")));
        QVERIFY(fetch.value(QLatin1String("finished_ms")).isNull());
        QCOMPARE(fetch.value(QLatin1String("busy_ms")).toDouble(), 0.001); // 500 ns rounds up to 1 µs
        QCOMPARE(fetch.value(QLatin1String("awaiting")).toString(), QStringLiteral("sleep(100 ms)"));

        const QJsonObject worker = itemWithId(items, 3);
        QCOMPARE(worker.value(QLatin1String("state")).toString(), QStringLiteral("failed"));
        QCOMPARE(worker.value(QLatin1String("error")).toString(), QStringLiteral("boom"));
        QCOMPARE(worker.value(QLatin1String("finished_ms")).toDouble(), 9.0);
    }

    void jsonLatencyAndLoop() {
        const RunSnapshot s = makeSnapshot();
        const QJsonObject root = reportObject();
        const QJsonArray latency = root.value(QLatin1String("latency")).toArray();
        QCOMPARE(latency.size(), 1);
        const QJsonObject request = latency.at(0).toObject();
        QCOMPARE(request.value(QLatin1String("name")).toString(), QStringLiteral("request"));
        compareDistribution(request, s.latency[0].micros);
        if (QTest::currentTestFailed())
            return;
        // The percentiles differ from one another, so a key wired to the wrong percentile fails above.
        QVERIFY(s.latency[0].micros.percentile(99) != s.latency[0].micros.percentile(99.9));

        const QJsonObject loop = root.value(QLatin1String("loop")).toObject();
        const QJsonObject lag = loop.value(QLatin1String("lag")).toObject();
        QVERIFY(!lag.contains(QLatin1String("name")));
        compareDistribution(lag, s.loopLagMicros);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(loop.value(QLatin1String("utilization")).toDouble(), 0.42);
    }

    void jsonSlowCallbacks() {
        const QJsonArray slow = reportObject().value(QLatin1String("slow_callbacks")).toArray();
        QCOMPARE(slow.size(), 2);
        const QJsonObject first = slow.at(0).toObject();
        QCOMPARE(first.value(QLatin1String("t_ms")).toDouble(), 750.0); // relative to RunInfo::startNs
        QCOMPARE(first.value(QLatin1String("duration_ms")).toDouble(), 312.346);
        QCOMPARE(first.value(QLatin1String("task")).toString(), QStringLiteral("main"));
        QCOMPARE(first.value(QLatin1String("task_id")).toInteger(), qint64(1));
        QCOMPARE(first.value(QLatin1String("location")).toString(), QStringLiteral("fetch.js:7"));
        const QJsonArray stack = first.value(QLatin1String("stack")).toArray();
        QCOMPARE(stack.size(), 2);
        QCOMPARE(stack.at(0).toString(), QStringLiteral("#0 burn() at fetch.js:7"));
        QCOMPARE(stack.at(1).toString(), QStringLiteral("#1 main() at fetch.js:3"));
        QCOMPARE(first.value(QLatin1String("ongoing")).toBool(true), false);

        const QJsonObject second = slow.at(1).toObject();
        QCOMPARE(second.value(QLatin1String("t_ms")).toDouble(), 1500.0);
        QVERIFY(second.contains(QLatin1String("task")) && second.value(QLatin1String("task")).isNull());
        QVERIFY(second.contains(QLatin1String("task_id")) && second.value(QLatin1String("task_id")).isNull());
        QVERIFY(second.contains(QLatin1String("location")) &&
                second.value(QLatin1String("location")).isNull());
        QVERIFY(second.value(QLatin1String("stack")).isArray());
        QCOMPARE(second.value(QLatin1String("stack")).toArray().size(), 0);
        QCOMPARE(second.value(QLatin1String("ongoing")).toBool(false), true);
    }

    void jsonMemory() {
        const QJsonObject memory = reportObject().value(QLatin1String("memory")).toObject();
        QCOMPARE(memory.value(QLatin1String("rss_start_bytes")).toInteger(), qint64(20'000'000));
        QCOMPARE(memory.value(QLatin1String("rss_peak_bytes")).toInteger(), qint64(64'000'000));
        QCOMPARE(memory.value(QLatin1String("rss_end_bytes")).toInteger(), qint64(48'000'000));
        QCOMPARE(memory.value(QLatin1String("growth_bytes_per_s")).toDouble(), 1'250'000.5);
        // Only tasks that allocated, most live bytes first: fetch (8000 live), then main (0 live).
        const QJsonArray byTask = memory.value(QLatin1String("by_task")).toArray();
        QCOMPARE(byTask.size(), 2);
        QCOMPARE(byTask.at(0).toObject().value(QLatin1String("task")).toString(), QStringLiteral("fetch"));
        QCOMPARE(byTask.at(0).toObject().value(QLatin1String("task_id")).toInteger(), qint64(2));
        QCOMPARE(byTask.at(0).toObject().value(QLatin1String("live_bytes")).toInteger(), qint64(8000));
        QCOMPARE(byTask.at(0).toObject().value(QLatin1String("allocated_bytes")).toInteger(), qint64(10'000));
        QCOMPARE(byTask.at(1).toObject().value(QLatin1String("task")).toString(), QStringLiteral("main"));
    }

    // With every allocation attributed nearly every task allocates: by_task is a bounded ranking.
    void jsonMemoryByTaskKeepsTheTopHundred() {
        RunSnapshot s = makeSnapshot();
        for (std::uint64_t id = 10; id < 260; ++id) {
            TaskInfo t = makeTask(id, 1, QStringLiteral("t%1").arg(id), TaskState::Completed);
            t.allocatedBytes = 1'000'000;
            t.liveBytes = std::int64_t(id) * 10; // 100 .. 2590: task 259 keeps the most
            s.tasks.push_back(t);
        }
        const QJsonArray byTask = parse(toJsonReport(makeRun(), s))
                                      .value(QLatin1String("memory"))
                                      .toObject()
                                      .value(QLatin1String("by_task"))
                                      .toArray();
        QCOMPARE(byTask.size(), 100);
        QCOMPARE(byTask.at(0).toObject().value(QLatin1String("task_id")).toInteger(), qint64(2)); // 8000 live
        QCOMPARE(byTask.at(1).toObject().value(QLatin1String("task_id")).toInteger(), qint64(259));
        QCOMPARE(byTask.last().toObject().value(QLatin1String("task_id")).toInteger(), qint64(161));
        const QJsonArray items = parse(toJsonReport(makeRun(), s))
                                     .value(QLatin1String("tasks"))
                                     .toObject()
                                     .value(QLatin1String("items"))
                                     .toArray();
        QCOMPARE(items.size(), 253); // every task keeps its own figures
    }

    void jsonDiagnostics() {
        const QJsonArray diagnostics = reportObject().value(QLatin1String("diagnostics")).toArray();
        QCOMPARE(diagnostics.size(), 2);
        const QJsonObject warning = diagnostics.at(0).toObject();
        QCOMPARE(warning.value(QLatin1String("rule")).toString(), QStringLiteral("slow-callback"));
        QCOMPARE(warning.value(QLatin1String("severity")).toString(), QStringLiteral("warning"));
        QVERIFY(warning.contains(QLatin1String("task")) && warning.value(QLatin1String("task")).isNull());
        QVERIFY(warning.contains(QLatin1String("task_id")) &&
                warning.value(QLatin1String("task_id")).isNull());
        QVERIFY(warning.contains(QLatin1String("location")) &&
                warning.value(QLatin1String("location")).isNull());
        const QJsonObject error = diagnostics.at(1).toObject();
        QCOMPARE(error.value(QLatin1String("severity")).toString(), QStringLiteral("error"));
        QCOMPARE(error.value(QLatin1String("message")).toString(),
                 QStringLiteral("Task 'worker' failed and nobody awaited it: boom"));
        QCOMPARE(error.value(QLatin1String("task")).toString(), QStringLiteral("worker"));
        QCOMPARE(error.value(QLatin1String("task_id")).toInteger(), qint64(3));
        QCOMPARE(error.value(QLatin1String("location")).toString(), QStringLiteral("fetch.js:3"));
    }

    void validatorAcceptsReports() {
        const std::optional<QString> problem = validateJsonReport(toJsonReport(makeRun(), makeSnapshot()));
        QVERIFY2(!problem, qPrintable(problem.value_or(QString())));
        // An empty run is valid too: empty arrays, null-free zeros.
        const std::optional<QString> empty = validateJsonReport(toJsonReport(RunInfo{}, RunSnapshot{}));
        QVERIFY2(!empty, qPrintable(empty.value_or(QString())));
    }

    void validatorRejectsMissingLoop() {
        QJsonObject root = reportObject();
        root.remove(QLatin1String("loop"));
        const std::optional<QString> problem = validateJsonReport(serialize(root));
        QVERIFY(problem);
        QVERIFY2(problem->contains(QLatin1String("'loop'")), qPrintable(*problem));
    }

    void validatorRejectsExtraTopLevelKey() {
        QJsonObject root = reportObject();
        root.insert(QStringLiteral("threads"), QJsonArray());
        const std::optional<QString> problem = validateJsonReport(serialize(root));
        QVERIFY(problem);
        QVERIFY2(problem->contains(QLatin1String("'threads'")), qPrintable(*problem));
    }

    void validatorRejectsWrongType() {
        QJsonObject root = reportObject();
        QJsonObject tasks = root.value(QLatin1String("tasks")).toObject();
        QJsonArray items = tasks.value(QLatin1String("items")).toArray();
        QJsonObject first = items.at(0).toObject();
        first.insert(QStringLiteral("busy_ms"), QStringLiteral("1.235"));
        items.replace(0, first);
        tasks.insert(QStringLiteral("items"), items);
        root.insert(QStringLiteral("tasks"), tasks);
        const std::optional<QString> problem = validateJsonReport(serialize(root));
        QVERIFY(problem);
        QVERIFY2(problem->contains(QLatin1String("tasks.items[0].busy_ms")), qPrintable(*problem));
        QVERIFY2(problem->contains(QLatin1String("string")), qPrintable(*problem));
    }

    void validatorRejectsOtherDocuments() {
        QVERIFY(validateJsonReport("not json"));
        QVERIFY(validateJsonReport("[]"));
        QJsonObject root = reportObject();
        root.insert(QStringLiteral("schema"), QStringLiteral("coroscope-report/2"));
        const std::optional<QString> newer = validateJsonReport(serialize(root));
        QVERIFY(newer);
        QVERIFY2(newer->contains(QLatin1String("coroscope-report/2")), qPrintable(*newer));
        // A nested required key: missing by_state.cancelled must be named.
        root = reportObject();
        QJsonObject tasks = root.value(QLatin1String("tasks")).toObject();
        QJsonObject byState = tasks.value(QLatin1String("by_state")).toObject();
        byState.remove(QLatin1String("cancelled"));
        tasks.insert(QStringLiteral("by_state"), byState);
        root.insert(QStringLiteral("tasks"), tasks);
        const std::optional<QString> missing = validateJsonReport(serialize(root));
        QVERIFY(missing);
        QVERIFY2(missing->contains(QLatin1String("tasks.by_state.cancelled")), qPrintable(*missing));
    }

    // Keeps docs/report-json.md true: its example must pass the validator.
    void docsExampleIsValid() {
        QFile doc(QStringLiteral(QT_TESTCASE_SOURCEDIR "/../docs/report-json.md"));
        QVERIFY2(doc.open(QIODevice::ReadOnly), qPrintable(doc.fileName()));
        const QByteArray text = doc.readAll();
        const qsizetype begin = text.indexOf("```json\n");
        QVERIFY(begin >= 0);
        const qsizetype end = text.indexOf("```", begin + 8);
        QVERIFY(end > begin);
        const QByteArray example = text.mid(begin + 8, end - begin - 8);
        const std::optional<QString> problem = validateJsonReport(example);
        QVERIFY2(!problem, qPrintable(problem.value_or(QString())));
    }

    void htmlEscapesEverything() {
        const QByteArray html = toHtmlReport(hostileRun(), hostileSnapshot());
        QVERIFY(!html.contains("<img src=x"));
        QCOMPARE(html.count("<script"), 1); // the page's own table sorter, nothing from the data
        QVERIFY(!html.contains("<b>k</b>"));
        QVERIFY(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        QVERIFY(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // The script path sits in an attribute: its quote must not end the attribute.
        QVERIFY(html.contains("title=\"x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.js\""));
        // Only the writer's own elements: anything else came from the data unescaped.
        static const QSet<QString> allowed{
            QStringLiteral("!doctype"), QStringLiteral("html"),    QStringLiteral("head"),
            QStringLiteral("meta"),     QStringLiteral("title"),   QStringLiteral("style"),
            QStringLiteral("body"),     QStringLiteral("h1"),      QStringLiteral("h2"),
            QStringLiteral("p"),        QStringLiteral("span"),    QStringLiteral("table"),
            QStringLiteral("tr"),       QStringLiteral("th"),      QStringLiteral("td"),
            QStringLiteral("pre"),      QStringLiteral("ul"),      QStringLiteral("li"),
            QStringLiteral("strong"),   QStringLiteral("br"),      QStringLiteral("h3"),
            QStringLiteral("nav"),      QStringLiteral("a"),       QStringLiteral("thead"),
            QStringLiteral("tbody"),    QStringLiteral("details"), QStringLiteral("summary"),
            QStringLiteral("figure"),   QStringLiteral("svg"),     QStringLiteral("text"),
            QStringLiteral("line"),     QStringLiteral("path"),    QStringLiteral("rect"),
            QStringLiteral("circle"),   QStringLiteral("code"),    QStringLiteral("div"),
            QStringLiteral("script")};
        static const QRegularExpression tag(QStringLiteral("</?([!a-zA-Z][a-zA-Z0-9]*)"));
        const QString text = QString::fromUtf8(html);
        for (auto it = tag.globalMatch(text); it.hasNext();) {
            const QString name = it.next().captured(1).toLower();
            QVERIFY2(allowed.contains(name),
                     qPrintable(QStringLiteral("unexpected element <") + name + u'>'));
        }
    }

    void htmlBoundsLongStrings() {
        RunSnapshot s = makeSnapshot();
        s.tasks[0].name = QString(100 * 1024, u'Q');
        s.slowCallbacks[0].taskName = s.tasks[0].name;
        s.diagnostics[1].message = QString(100 * 1024, u'W');
        RunInfo run = makeRun();
        run.scriptSource = QString(2 * 1024 * 1024, u'Z');
        const QByteArray html = toHtmlReport(run, s);
        // Shown up to the bound, and no further.
        QCOMPARE(longestRun(html, 'Q'), qsizetype(4096));
        QCOMPARE(longestRun(html, 'W'), qsizetype(4096));
        QCOMPARE(longestRun(html, 'Z'), qsizetype(1024 * 1024));
        QVERIFY(html.contains("more characters)"));
        QVERIFY2(html.size() < 1024 * 1024 + 100 * 1024, qPrintable(QString::number(html.size())));
    }

    void htmlIsSelfContained() {
        for (const QByteArray& html :
             {toHtmlReport(makeRun(), makeSnapshot()), toHtmlReport(RunInfo{}, RunSnapshot{})}) {
            QVERIFY(html.startsWith("<!DOCTYPE html>"));
            QVERIFY(html.trimmed().endsWith("</html>"));
            QVERIFY(!html.contains("http://"));
            QVERIFY(!html.contains("https://"));
            QVERIFY(!html.contains("url("));
            QVERIFY(!html.contains("@import"));
            QVERIFY(!html.contains("<link"));
            // No source or link outside the page (in-page anchors "#..." only).
            static const QRegularExpression srcAttribute(
                QStringLiteral("<[^>]*\\b(src\\s*=|href\\s*=\\s*\"[^#])"),
                QRegularExpression::CaseInsensitiveOption);
            QVERIFY(!srcAttribute.match(QString::fromUtf8(html)).hasMatch());
            // One inline script, and the CSP allows exactly it: by its SHA-256 hash.
            QCOMPARE(html.count("<script"), 1);
            const qsizetype open = html.indexOf("<script>") + 8;
            const QByteArray script = html.mid(open, html.indexOf("</script>") - open);
            const QByteArray hash = QCryptographicHash::hash(script, QCryptographicHash::Sha256).toBase64();
            QVERIFY(html.contains(QByteArray("script-src 'sha256-" + hash + "'")));
            QVERIFY(html.contains("default-src 'none'"));
        }
    }

    void htmlContent() {
        const QString html = QString::fromUtf8(toHtmlReport(makeRun(), makeSnapshot()));
        QVERIFY(
            html.contains(QStringLiteral("<title>fetch.js — stopped: duration elapsed — Coroscope</title>")));
        // Verdicts first, errors before warnings.
        const qsizetype verdicts = html.indexOf(QLatin1String("<h2 id=\"verdicts\">Verdicts</h2>"));
        const qsizetype error = html.indexOf(QLatin1String("nobody awaited it"));
        const qsizetype warning = html.indexOf(QLatin1String("blocked the event loop for 312 ms"));
        const qsizetype slow = html.indexOf(QLatin1String("<h2 id=\"slow\">Slow callbacks</h2>"));
        QVERIFY(verdicts >= 0 && error > verdicts && warning > error && slow > warning);
        QVERIFY(html.indexOf(QLatin1String("<h2 id=\"latency\">Latency</h2>")) > slow);
        QVERIFY(
            html.contains(QLatin1String("<pre>#0 burn() at fetch.js:7\n#1 main() at fetch.js:3\n</pre>")));
        QVERIFY(html.contains(QLatin1String("busy 42.0 % of the run")));
        QVERIFY(html.contains(QLatin1String("id=\"L2\"><span class=\"ln\">2</span>")));
        QVERIFY(html.contains(QLatin1String("for (let i = 0; i &lt; n; ++i)</span>")));
        QVERIFY(html.contains(QStringLiteral(" · n=10")));
        QVERIFY(html.contains(QLatin1String("123456789012")));
    }

    // A long run (5 000 time-series points, a gap, 3 000 slow callbacks): the charts are thinned
    // and stay small, the gap stays a gap, and no NaN reaches the SVG.
    void htmlChartsOfALongRunStayBounded() {
        session::SessionData data = session::sessionDataFromSnapshot(makeRun(), makeSnapshot());
        for (int i = 0; i < 5000; ++i) {
            session::TimePoint p;
            p.tNs = kStart + std::int64_t(i) * 100'000'000;
            const bool inGap = i >= 2000 && i < 2100;
            p.lagP50Ns = p.lagP90Ns = p.lagP99Ns = p.lagMaxNs = inGap ? -1 : 1'000'000 + (i % 50) * 10'000;
            p.utilization = inGap ? -1 : 0.5;
            p.tasksByState = {1, 2, 3, 4, std::uint64_t(i), 0, 0};
            data.timeSeries.push_back(p);
        }
        for (int i = 0; i < 3000; ++i) {
            SlowCallback c;
            c.startNs = kStart + std::int64_t(i) * 150'000'000;
            c.durationNs = 120'000'000;
            data.snapshot.slowCallbacks.push_back(c);
        }
        const QByteArray html = toHtmlReport(data);
        QVERIFY(!html.contains("nan"));
        QVERIFY2(html.size() < 2'000'000, qPrintable(QString::number(html.size())));
        QVERIFY2(html.count("class=\"band\"") < 700,
                 qPrintable(QString::number(html.count("class=\"band\""))));
        const qsizetype lag = html.indexOf("Loop lag per 100 ms");
        const QByteArray lagChart = html.mid(lag, html.indexOf("</svg>", lag) - lag);
        QVERIFY(lagChart.count(" M") >= 2 * 4); // each of the four lines broken by the gap
    }

    void htmlShowsTopHundredTasksByBusyTime() {
        RunSnapshot s;
        for (std::uint64_t id = 1; id <= 150; ++id) {
            TaskInfo t = makeTask(id, 0, QStringLiteral("task-%1-").arg(id), TaskState::Completed);
            t.busyNs = std::int64_t(id) * 1'000'000; // the busiest are the last 100
            s.tasks.push_back(t);
        }
        s.tasksTotal = 150;
        const QString page = QString::fromUtf8(toHtmlReport(makeRun(), s));
        const qsizetype busiest = page.indexOf(QLatin1String("Busiest tasks"));
        const QString html = page.mid(busiest, page.indexOf(QLatin1String("Longest-lived tasks")) - busiest);
        QVERIFY(html.contains(QLatin1String("<td>task-150- ")));
        QVERIFY(html.contains(QLatin1String("<td>task-51- ")));
        QVERIFY(!html.contains(QLatin1String("<td>task-50- ")));
        QVERIFY(html.indexOf(QLatin1String("<td>task-150- ")) < html.indexOf(QLatin1String("<td>task-51- ")));
        QVERIFY(html.contains(QLatin1String("100 of 150 tasks")));
    }
};

QTEST_GUILESS_MAIN(TestReport)
#include "test_report.moc"
