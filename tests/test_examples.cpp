// The built-in workload examples (resources/workloads/), run through the real binary as a user
// runs them (`coroscope run example:NAME --report r.json`): each one's expected findings.
#include "jsonreportvalidator.h"
#include "report/jsonreport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

namespace {

const QStringList kExamples = {
    QStringLiteral("api-gateway-100k"),  QStringLiteral("api-gateway"),
    QStringLiteral("blocking-call"),     QStringLiteral("connection-pool"),
    QStringLiteral("executor-offload"),  QStringLiteral("gather-fanout"),
    QStringLiteral("graceful-shutdown"), QStringLiteral("memory-leak"),
    QStringLiteral("monitoring-loop"),   QStringLiteral("pubsub"),
    QStringLiteral("rate-limiter"),      QStringLiteral("retry-backoff"),
    QStringLiteral("semaphore-crawler"), QStringLiteral("worker-queue"),
};

struct Process {
    int exitCode = -1;
    QString out;
    QString err;
};

Process coroscope(const QStringList& arguments, int timeoutMs = 60'000) {
    QProcess process;
    // A binary being relinked (a parallel build) cannot start for a moment: try again.
    for (int attempt = 0; attempt < 10; ++attempt) {
        process.start(QStringLiteral(COROSCOPE_BINARY), arguments);
        if (process.waitForStarted())
            break;
        QTest::qWait(1000);
    }
    if (!process.waitForFinished(timeoutMs))
        qFatal("coroscope %s did not finish: %s", qPrintable(arguments.join(u' ')),
               qPrintable(process.errorString()));
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

QJsonValue at(const QJsonValue& value, const char* key) {
    return value[QLatin1String(key)];
}

/// One example's run: its log (stdout) and its JSON report.
struct ExampleRun {
    Process process;
    QStringList log;
    QJsonObject report;

    /// The log line starting with `prefix` ("" if none).
    QString line(const QString& prefix) const {
        for (const QString& l : log)
            if (l.startsWith(prefix))
                return l;
        return QString();
    }
    /// The number after `label` in the log line starting with `prefix`, -1 if none:
    /// number("crawled", "pages in") on "crawled 100 pages in 929 ms" is 929.
    double number(const QString& prefix, const QString& label = QString()) const {
        const QString l = line(prefix);
        const QRegularExpression pattern(QRegularExpression::escape(label.isEmpty() ? prefix : label) +
                                         QStringLiteral("\\D*?(\\d+(?:\\.\\d+)?)"));
        const QRegularExpressionMatch m = pattern.match(l);
        return m.hasMatch() ? m.captured(1).toDouble() : -1;
    }
    QJsonObject latency(const char* name) const {
        for (const QJsonValue& metric : report[QLatin1String("latency")].toArray())
            if (at(metric, "name").toString() == QLatin1String(name))
                return metric.toObject();
        return {};
    }
    QJsonArray diagnostics(const char* rule) const {
        QJsonArray found;
        for (const QJsonValue& d : report[QLatin1String("diagnostics")].toArray())
            if (at(d, "rule").toString() == QLatin1String(rule))
                found.append(d);
        return found;
    }
    QStringList diagnosticRules() const {
        QStringList rules;
        for (const QJsonValue& d : report[QLatin1String("diagnostics")].toArray())
            rules << at(d, "rule").toString();
        return rules;
    }
    QJsonArray slowCallbacks() const { return report[QLatin1String("slow_callbacks")].toArray(); }
    QJsonObject task(const QString& name) const {
        for (const QJsonValue& t : at(report[QLatin1String("tasks")], "items").toArray())
            if (at(t, "name").toString() == name)
                return t.toObject();
        return {};
    }
    QList<QJsonObject> tasksNamed(const QRegularExpression& pattern) const {
        QList<QJsonObject> found;
        for (const QJsonValue& t : at(report[QLatin1String("tasks")], "items").toArray())
            if (pattern.match(at(t, "name").toString()).hasMatch())
                found << t.toObject();
        return found;
    }
    int tasksIn(const char* state) const {
        return at(at(report[QLatin1String("tasks")], "by_state"), state).toInt();
    }
};

class TestExamples : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    QString extracted(const QString& name) const {
        return m_dir.filePath(QStringLiteral("extracted/") + name + QStringLiteral(".js"));
    }

    /// The 1-based line of the first code line (not a comment) of example `name` containing `code`.
    int lineOf(const QString& name, const QString& code) const {
        QFile file(extracted(name));
        if (!file.open(QIODevice::ReadOnly))
            return 0;
        const QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n');
        for (qsizetype i = 0; i < lines.size(); ++i)
            if (!lines[i].trimmed().startsWith(QLatin1String("//")) && lines[i].contains(code))
                return int(i) + 1;
        return 0;
    }

    /// Runs example `name` with `--param` for each of `params`; checks what every run must do.
    ExampleRun run(const QString& name, const QStringList& params = {}, const QStringList& extra = {}) {
        const QString report = m_dir.filePath(name + QStringLiteral(".json"));
        QStringList arguments{QStringLiteral("run"), QStringLiteral("example:") + name,
                              QStringLiteral("--report"), report};
        for (const QString& p : params)
            arguments << QStringLiteral("--param") << p;
        QElapsedTimer timer;
        timer.start();
        ExampleRun r;
        r.process = coroscope(arguments + extra);
        qInfo("%s %s: %lld ms", qPrintable(name), qPrintable(params.join(u' ')), timer.elapsed());
        r.log = r.process.out.split(u'\n', Qt::SkipEmptyParts);
        QFile file(report);
        if (file.open(QIODevice::ReadOnly)) {
            const QByteArray bytes = file.readAll();
            if (const auto problem = coroscope::validateJsonReport(bytes))
                qWarning("invalid report: %s", qPrintable(*problem));
            else
                r.report = QJsonDocument::fromJson(bytes).object();
        }
        return r;
    }

private Q_SLOTS:
    void initTestCase();
    void listsAllExamples();
    void printsOneAndRefusesUnknownNames();
    void gatherFanout();
    void workerQueue();
    void semaphoreCrawler();
    void connectionPool();
    void rateLimiter();
    void retryBackoff();
    void blockingCall();
    void memoryLeak();
    void executorOffload();
    void monitoringLoop();
    void apiGateway();
    void apiGateway100k();
    void gracefulShutdown();
    void pubsub();
};

// Every example's run must complete and leave a valid report naming it example:NAME.
#define VERIFY_COMPLETED(r, name)                                                                            \
    do {                                                                                                     \
        QVERIFY2((r).process.exitCode == 0, qPrintable((r).process.err));                                    \
        QVERIFY2(!(r).report.isEmpty(), "no valid report");                                                  \
        QCOMPARE(at(at((r).report, "run"), "status").toString(), QStringLiteral("completed"));               \
        QCOMPARE(at(at((r).report, "run"), "script").toString(), QStringLiteral("example:") + (name));       \
    } while (false)

void TestExamples::initTestCase() {
    QVERIFY(m_dir.isValid());
    const Process p = coroscope({QStringLiteral("examples"), QStringLiteral("--extract"),
                                 m_dir.filePath(QStringLiteral("extracted"))});
    QVERIFY2(p.exitCode == 0, qPrintable(p.err));
    QStringList files;
    for (const QString& name : kExamples)
        files << name + QStringLiteral(".js");
    QCOMPARE(QDir(m_dir.filePath(QStringLiteral("extracted")))
                 .entryList({QStringLiteral("*.js")}, QDir::Files, QDir::Name),
             files);
    // A second extract keeps what is there (a user's edits) unless --force.
    const Process again = coroscope({QStringLiteral("examples"), QStringLiteral("--extract"),
                                     m_dir.filePath(QStringLiteral("extracted"))});
    QCOMPARE(again.exitCode, 0);
    QVERIFY(again.out.isEmpty());
    QVERIFY2(again.err.contains(QStringLiteral("0 examples written")), qPrintable(again.err));
}

void TestExamples::listsAllExamples() {
    const Process p = coroscope({QStringLiteral("examples")});
    QCOMPARE(p.exitCode, 0);
    QStringList names;
    for (const QString& line : p.out.split(u'\n', Qt::SkipEmptyParts)) {
        if (!line.startsWith(QLatin1String("  ")))
            continue;
        const QString name = line.trimmed().section(u' ', 0, 0);
        const QString summary = line.trimmed().section(u' ', 1).trimmed();
        names << name;
        // The summary is the first line of the example's header comment.
        QFile file(extracted(name));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(name));
        const QString firstLine = QString::fromUtf8(file.readLine()).trimmed();
        QVERIFY2(firstLine.startsWith(QLatin1String("// ")), qPrintable(firstLine));
        QCOMPARE(summary, firstLine.mid(3));
    }
    QCOMPARE(names, kExamples);
}

void TestExamples::printsOneAndRefusesUnknownNames() {
    const Process p = coroscope({QStringLiteral("examples"), QStringLiteral("pubsub")});
    QCOMPARE(p.exitCode, 0);
    QFile file(extracted(QStringLiteral("pubsub")));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(p.out, QString::fromUtf8(file.readAll()));

    for (const QString& bad : {QStringLiteral("nope"), QStringLiteral("../workloads/pubsub"), QString()}) {
        const Process r = coroscope({QStringLiteral("run"), QStringLiteral("example:") + bad});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("no such example")), qPrintable(r.err));
    }
}

void TestExamples::gatherFanout() {
    const ExampleRun r = run(QStringLiteral("gather-fanout"), {QStringLiteral("delay_ms=100")});
    VERIFY_COMPLETED(r, QStringLiteral("gather-fanout"));
    const double sequential = at(r.latency("sequential"), "max_ms").toDouble();
    const double concurrent = at(r.latency("concurrent"), "max_ms").toDouble();
    QVERIFY2(sequential >= 10 * 100, qPrintable(QString::number(sequential)));
    QVERIFY2(concurrent > 0 && concurrent * 3 < sequential,
             qPrintable(QStringLiteral("%1 vs %2").arg(concurrent).arg(sequential)));
    QCOMPARE(at(r.latency("request"), "count").toInt(), 20);
    const QList<QJsonObject> fetches = r.tasksNamed(QRegularExpression(QStringLiteral("^fetch-\\d+$")));
    QCOMPARE(fetches.size(), 10);
    for (const QJsonObject& t : fetches)
        QCOMPARE(at(t, "parent_id").toInt(), at(r.task(QStringLiteral("main")), "id").toInt());
    QCOMPARE(r.diagnosticRules(), QStringList());
}

void TestExamples::workerQueue() {
    const ExampleRun r = run(QStringLiteral("worker-queue"), {QStringLiteral("item_ms=2")});
    VERIFY_COMPLETED(r, QStringLiteral("worker-queue"));
    QVERIFY2(r.line(QStringLiteral("processed 1000 of 1000 items")).size(), qPrintable(r.process.out));
    // per worker: worker-0=200 worker-1=200 ...: every worker took part, and they add up.
    const QStringList perWorker = r.line(QStringLiteral("per worker:")).split(u' ').mid(2);
    QCOMPARE(perWorker.size(), 5);
    int sum = 0;
    for (const QString& w : perWorker) {
        const int n = w.section(u'=', 1).toInt();
        QVERIFY2(n > 0, qPrintable(w));
        sum += n;
    }
    QCOMPARE(sum, 1000);
    QVERIFY2(r.line(QStringLiteral("workers cancelled: 5 of 5 (queue size 0)")).size(),
             qPrintable(r.process.out));
    // Cancelled by main before it returned, not by the end of the run.
    const double mainEnd = at(r.task(QStringLiteral("main")), "finished_ms").toDouble();
    const QList<QJsonObject> workers = r.tasksNamed(QRegularExpression(QStringLiteral("^worker-\\d$")));
    QCOMPARE(workers.size(), 5);
    for (const QJsonObject& w : workers) {
        QCOMPARE(at(w, "state").toString(), QStringLiteral("cancelled"));
        QVERIFY(at(w, "finished_ms").toDouble() <= mainEnd);
    }
    QCOMPARE(at(r.latency("queue-wait"), "count").toInt(), 1000);
    QCOMPARE(at(r.latency("item"), "count").toInt(), 1000);
    QCOMPARE(r.diagnosticRules(), QStringList());
}

void TestExamples::semaphoreCrawler() {
    const ExampleRun r = run(QStringLiteral("semaphore-crawler"));
    VERIFY_COMPLETED(r, QStringLiteral("semaphore-crawler"));
    // Never more than the limit inside the semaphore, and the limit was reached.
    QCOMPARE(r.number(QStringLiteral("peak concurrency:")), 20.0);
    QVERIFY2(r.line(QStringLiteral("crawled 100 pages")).contains(QStringLiteral(": 90 ok, 10 not found")),
             qPrintable(r.process.out));
    const QJsonObject page = r.latency("page");
    QCOMPARE(at(page, "count").toInt(), 100);
    QVERIFY(at(page, "min_ms").toDouble() >= 50); // the server's delay is a lower bound
    QCOMPARE(r.tasksNamed(QRegularExpression(QStringLiteral("^page-\\d+$"))).size(), 100);
    QCOMPARE(r.diagnosticRules(), QStringList());
}

void TestExamples::connectionPool() {
    const ExampleRun r = run(QStringLiteral("connection-pool"));
    VERIFY_COMPLETED(r, QStringLiteral("connection-pool"));
    const double opened = r.number(QStringLiteral("connections opened:"));
    QVERIFY2(opened >= 2 && opened <= 5, qPrintable(r.process.out));
    QCOMPARE(at(r.latency("connect"), "count").toDouble(), opened);
    QVERIFY(r.number(QStringLiteral("connections opened:"), QStringLiteral("peak in use:")) <= 5);
    // Every connection came back to the pool: none lost to a timed-out acquire.
    QCOMPARE(r.line(QStringLiteral("idle connections at the end:")),
             QStringLiteral("idle connections at the end: %1 of %1").arg(opened));
    const double queries = r.number(QStringLiteral("queries:"));
    const double timeouts = r.number(QStringLiteral("queries:"), QStringLiteral("acquire timeouts:"));
    QCOMPARE(queries + timeouts, 48.0);
    QVERIFY2(timeouts >= 1, qPrintable(r.process.out)); // the slow queries make some acquires give up
    QCOMPARE(at(r.latency("acquire"), "count").toDouble(), queries);
    QCOMPARE(r.tasksIn("failed"), 0);
    QCOMPARE(r.diagnosticRules(), QStringList());
}

void TestExamples::rateLimiter() {
    const ExampleRun r =
        run(QStringLiteral("rate-limiter"),
            {QStringLiteral("calls=40"), QStringLiteral("rate=10"), QStringLiteral("period_ms=250")});
    VERIFY_COMPLETED(r, QStringLiteral("rate-limiter"));
    QVERIFY2(r.line(QStringLiteral("calls: 40 of 40 answered 200")).size(), qPrintable(r.process.out));
    QCOMPARE(r.number(QStringLiteral("busiest window:")), 10.0); // never more than the rate
    const QJsonObject wait = r.latency("limiter-wait");
    QCOMPARE(at(wait, "count").toInt(), 40);
    // 40 calls at 10 per 250 ms: the last ones wait three windows.
    QVERIFY2(at(wait, "max_ms").toDouble() >= 3 * 250 - 5,
             qPrintable(QString::number(at(wait, "max_ms").toDouble())));
    QVERIFY(at(at(r.report, "run"), "duration_ms").toDouble() >= 3 * 250);
    QCOMPARE(at(r.latency("api-call"), "count").toInt(), 40);
    QCOMPARE(r.diagnosticRules(), QStringList());
}

void TestExamples::retryBackoff() {
    const ExampleRun r = run(QStringLiteral("retry-backoff"));
    VERIFY_COMPLETED(r, QStringLiteral("retry-backoff"));
    // requests: 20, 9 first time, 11 after retries, 0 gave up; 19 retries in all
    const QString summary = r.line(QStringLiteral("requests: 20,"));
    const QRegularExpressionMatch m =
        QRegularExpression(
            QStringLiteral("(\\d+) first time, (\\d+) after retries, (\\d+) gave up; (\\d+) retries"))
            .match(summary);
    QVERIFY2(m.hasMatch(), qPrintable(r.process.out));
    const int firstTime = m.captured(1).toInt(), afterRetries = m.captured(2).toInt();
    const int gaveUp = m.captured(3).toInt(), retries = m.captured(4).toInt();
    QCOMPARE(firstTime + afterRetries + gaveUp, 20);
    QVERIFY2(afterRetries >= 1 && retries >= afterRetries, qPrintable(summary)); // failures were retried
    QCOMPARE(r.log.filter(QStringLiteral("retrying in")).size(), retries);
    QCOMPARE(at(r.latency("attempt"), "count").toInt(), 20 + retries);
    const QJsonObject request = r.latency("request");
    QCOMPARE(at(request, "count").toInt(), 20 - gaveUp);
    QVERIFY(at(request, "max_ms").toDouble() >= 20 + 20); // a retried request waited out its backoff
    QCOMPARE(r.tasksIn("failed"), gaveUp);
    QCOMPARE(r.diagnosticRules(), QStringList()); // gave-ups are retrieved by gatherSettled
}

void TestExamples::blockingCall() {
    const ExampleRun r = run(QStringLiteral("blocking-call"), {QStringLiteral("block_ms=400")});
    VERIFY_COMPLETED(r, QStringLiteral("blocking-call"));
    const QString location = QStringLiteral("blocking-call.js:%1")
                                 .arg(lineOf(QStringLiteral("blocking-call"), QStringLiteral("blockFor(")));
    const QJsonArray slow = r.slowCallbacks();
    QCOMPARE(slow.size(), 1);
    QVERIFY2(at(slow[0], "duration_ms").toDouble() >= 400,
             qPrintable(QString::number(at(slow[0], "duration_ms").toDouble())));
    QCOMPARE(at(slow[0], "task").toString(), QStringLiteral("suspect_coro"));
    QCOMPARE(at(slow[0], "location").toString(), location);
    QVERIFY(QJsonDocument(at(slow[0], "stack").toArray()).toJson().contains("blockFor"));
    QCOMPARE(r.diagnosticRules(), QStringList{QStringLiteral("slow-callback")});
    QCOMPARE(at(r.diagnostics("slow-callback")[0], "location").toString(), location);
    QCOMPARE(at(r.diagnostics("slow-callback")[0], "task").toString(), QStringLiteral("suspect_coro"));
    // Everybody else stopped too: the heartbeat was late by the whole block.
    QVERIFY(at(r.latency("heartbeat-late"), "max_ms").toDouble() >= 350);
    QVERIFY(at(at(at(r.report, "loop"), "lag"), "max_ms").toDouble() >= 350);
}

void TestExamples::memoryLeak() {
    const ExampleRun r = run(QStringLiteral("memory-leak"));
    VERIFY_COMPLETED(r, QStringLiteral("memory-leak"));
    QCOMPARE(r.diagnosticRules(), QStringList{QStringLiteral("memory-growth")}); // not lru_cache
    QCOMPARE(at(r.diagnostics("memory-growth")[0], "task").toString(), QStringLiteral("leaking_cache"));
    const QJsonArray byTask = at(at(r.report, "memory"), "by_task").toArray();
    QVERIFY(byTask.size() >= 2);
    QCOMPARE(at(byTask[0], "task").toString(), QStringLiteral("leaking_cache"));
    const qint64 leaked = at(byTask[0], "live_bytes").toInteger();
    QVERIFY2(leaked >= 20 << 20, qPrintable(QString::number(leaked)));
    // Every heap allocation counts (map nodes, strings, frames), not only the buffers: the leak
    // keeps nearly all it allocated; the LRU keeps its 8 entries plus well under one more chunk.
    const qint64 leakAllocated = at(byTask[0], "allocated_bytes").toInteger();
    QVERIFY2(leaked >= leakAllocated * 99 / 100,
             qPrintable(QStringLiteral("%1 of %2").arg(leaked).arg(leakAllocated)));
    QCOMPARE(at(byTask[1], "task").toString(), QStringLiteral("lru_cache"));
    const qint64 lruLive = at(byTask[1], "live_bytes").toInteger();
    constexpr qint64 kChunk = 256 * 1024;
    QVERIFY2(lruLive >= 8 * kChunk && lruLive < 9 * kChunk, qPrintable(QString::number(lruLive)));
    QVERIFY(at(byTask[1], "allocated_bytes").toInteger() >= 20 << 20);
}

void TestExamples::executorOffload() {
    const ExampleRun r = run(QStringLiteral("executor-offload"), {QStringLiteral("jobs=1")});
    VERIFY_COMPLETED(r, QStringLiteral("executor-offload"));
    const QJsonArray slow = r.slowCallbacks();
    QCOMPARE(slow.size(), 1); // the inline burn only: the offloaded job blocks nothing
    QCOMPARE(at(slow[0], "task").toString(), QStringLiteral("inline_fft"));
    QVERIFY(at(slow[0], "duration_ms").toDouble() >= 290);
    QCOMPARE(at(slow[0], "location").toString(),
             QStringLiteral("executor-offload.js:%1")
                 .arg(lineOf(QStringLiteral("executor-offload"), QStringLiteral("burn("))));
    QCOMPARE(r.diagnosticRules(), QStringList{QStringLiteral("slow-callback")});
    QVERIFY(at(r.latency("heartbeat-late-inline"), "max_ms").toDouble() >= 200);
    QVERIFY2(at(r.latency("heartbeat-late-offloaded"), "max_ms").toDouble() < 150,
             qPrintable(QString::number(at(r.latency("heartbeat-late-offloaded"), "max_ms").toDouble())));
    QCOMPARE(at(r.latency("job-offloaded"), "count").toInt(), 1);
    QVERIFY(at(r.latency("job-offloaded"), "min_ms").toDouble() >= 290);
    const QJsonObject inlineTask = r.task(QStringLiteral("inline_fft"));
    const QJsonObject offloaded = r.task(QStringLiteral("offloaded_fft"));
    const QJsonObject job = r.task(QStringLiteral("offload-job-0"));
    QVERIFY(at(inlineTask, "busy_ms").toDouble() >= 290);
    QVERIFY2(at(job, "busy_ms").toDouble() < 50 && at(job, "idle_ms").toDouble() >= 290,
             QJsonDocument(job).toJson().constData());
    QVERIFY(at(offloaded, "busy_ms").toDouble() < 50);
}

void TestExamples::monitoringLoop() {
    const ExampleRun r = run(QStringLiteral("monitoring-loop"),
                             {QStringLiteral("rounds=3"), QStringLiteral("interval_ms=100")});
    VERIFY_COMPLETED(r, QStringLiteral("monitoring-loop"));
    const QJsonObject round = r.latency("collect-round");
    QCOMPARE(at(round, "count").toInt(), 3);
    QVERIFY(at(round, "min_ms").toDouble() >= 20); // a round waits for its slowest collector
    QCOMPARE(at(r.latency("api_response_time"), "count").toInt(), 3 * 3);
    QCOMPARE(at(r.latency("db_query_time"), "count").toInt(), 3 * 2);
    QCOMPARE(at(r.latency("file_scan_time"), "count").toInt(), 3 * 2);
    for (int i = 1; i <= 3; ++i)
        QVERIFY2(r.line(QStringLiteral("round %1: api n=").arg(i)).size(), qPrintable(r.process.out));
    // round 3: api n=9 ...: the sliding window holds every API sample so far (window 10).
    QCOMPARE(r.line(QStringLiteral("round 3:")).section(u' ', 3, 3), QStringLiteral("n=9"));
    // Each alert fires once, and the count adds up.
    const QStringList alerts = r.log.filter(QRegularExpression(QStringLiteral("^ALERT ")));
    QVERIFY2(!alerts.isEmpty(), qPrintable(r.process.out));
    QStringList keys;
    for (const QString& a : alerts)
        keys << a.section(u' ', 1, 2);
    keys.removeDuplicates();
    QCOMPARE(keys.size(), alerts.size());
    QCOMPARE(r.number(QStringLiteral("rounds: 3,"), QStringLiteral("active alerts:")), double(alerts.size()));
    const int mainId = at(r.task(QStringLiteral("main")), "id").toInt();
    const QList<QJsonObject> collectors = r.tasksNamed(QRegularExpression(QStringLiteral("^collect-")));
    QCOMPARE(collectors.size(), 3 * 7);
    for (const QJsonObject& c : collectors)
        QCOMPARE(at(c, "parent_id").toInt(), mainId);
    QCOMPARE(r.diagnosticRules(), QStringList());
}

void TestExamples::apiGateway100k() {
    // One second of it: what it reaches depends on the machine, what it does must not.
    const ExampleRun r = run(QStringLiteral("api-gateway-100k"), {QStringLiteral("seconds=1")});
    VERIFY_COMPLETED(r, QStringLiteral("api-gateway-100k"));
    const QString summary = r.line(QStringLiteral("reached "));
    QVERIFY2(summary.contains(QStringLiteral("% of 100000 requests/s")), qPrintable(r.process.out));
    const double requests = r.number(QStringLiteral("reached "), QStringLiteral("requests/s;"));
    const double rate = r.number(QStringLiteral("reached "));
    const double share = r.number(QStringLiteral("reached "), QStringLiteral("requests/s:"));
    QVERIFY2(requests > 1000 && rate > 0, qPrintable(summary));
    QVERIFY2(std::abs(share - rate / 1000) <= 1, qPrintable(summary)); // the per cent of 100 000
    QVERIFY(!r.line(QStringLiteral("second 1:")).isEmpty());
    // Every request timed, every connection done; nothing failed, leaked or left unread.
    QCOMPARE(at(r.latency("request"), "count").toDouble(), requests);
    QCOMPARE(r.tasksNamed(QRegularExpression(QStringLiteral("^connection-"))).size(), 1000);
    QCOMPARE(r.tasksIn("completed"), 1002);
    for (const char* rule : {"task-leaked", "never-retrieved", "stuck-task"})
        QVERIFY2(r.diagnostics(rule).isEmpty(), rule);
    // The per-key lock keeps misses of one key to one backend call per TTL (250 ms): 5 000 keys
    // over a little more than a second can have needed at most 5 000 x 6 calls, never one per miss.
    const double hits = r.number(QStringLiteral("reached "), QStringLiteral("cache hits"));
    const double backendCalls = r.number(QStringLiteral("reached "), QStringLiteral("backend calls"));
    QVERIFY2(backendCalls > 0 && backendCalls <= 5000 * 6 && backendCalls < requests, qPrintable(summary));
    QVERIFY2(hits > 0, qPrintable(summary));
}

void TestExamples::apiGateway() {
    const ExampleRun global = run(QStringLiteral("api-gateway"));
    VERIFY_COMPLETED(global, QStringLiteral("api-gateway"));
    const ExampleRun perKey = run(QStringLiteral("api-gateway"), {QStringLiteral("lock=per-key")});
    VERIFY_COMPLETED(perKey, QStringLiteral("api-gateway"));
    for (const ExampleRun* r : {&global, &perKey}) {
        const QString summary = r->line(QStringLiteral("lock:"));
        QVERIFY2(summary.contains(QStringLiteral("requests: 60,")), qPrintable(summary));
        QVERIFY(r->number(QStringLiteral("lock:"), QStringLiteral("cache hits:")) > 0);
        const double timeouts = r->number(QStringLiteral("lock:"), QStringLiteral("timeouts:"));
        QVERIFY2(timeouts >= 1, qPrintable(summary)); // order_service hangs now and then
        QCOMPARE(r->number(QStringLiteral("lock:"), QStringLiteral("504 answers:")), timeouts);
        QCOMPARE(at(r->latency("gateway-request"), "count").toInt(), 60);
        QCOMPARE(r->tasksIn("failed"), 0);
        // The cleanup task was stopped by the gateway, before main returned.
        const QJsonObject cleanup = r->task(QStringLiteral("cache-cleanup"));
        QCOMPARE(at(cleanup, "state").toString(), QStringLiteral("cancelled"));
        QVERIFY(at(cleanup, "finished_ms").toDouble() <=
                at(r->task(QStringLiteral("main")), "finished_ms").toDouble());
        QCOMPARE(r->diagnosticRules(), QStringList());
    }
    QVERIFY(global.line(QStringLiteral("lock: global;")).size());
    QVERIFY(perKey.line(QStringLiteral("lock: per-key;")).size());
    // The global lock makes misses wait for each other: a per-key lock removes that wait.
    const double globalWait = at(global.latency("lock-wait"), "max_ms").toDouble();
    const double perKeyWait = at(perKey.latency("lock-wait"), "max_ms").toDouble();
    QVERIFY2(globalWait > 2 * perKeyWait,
             qPrintable(QStringLiteral("%1 vs %2").arg(globalWait).arg(perKeyWait)));
    const double globalP99 = at(global.latency("gateway-request"), "p99_ms").toDouble();
    const double perKeyP99 = at(perKey.latency("gateway-request"), "p99_ms").toDouble();
    QVERIFY2(globalP99 > 2 * perKeyP99, qPrintable(QStringLiteral("%1 vs %2").arg(globalP99).arg(perKeyP99)));
}

void TestExamples::gracefulShutdown() {
    const ExampleRun r = run(QStringLiteral("graceful-shutdown"), {QStringLiteral("run_ms=300")});
    VERIFY_COMPLETED(r, QStringLiteral("graceful-shutdown"));
    QCOMPARE(r.diagnosticRules(), QStringList()); // no task-leaked
    QVERIFY2(r.line(QStringLiteral("shutdown: all tasks finished in")).size(), qPrintable(r.process.out));
    QCOMPARE(r.log.filter(QRegularExpression(QStringLiteral("^worker \\d flushed \\d+ results$"))).size(), 5);
    const double mainEnd = at(r.task(QStringLiteral("main")), "finished_ms").toDouble();
    const QList<QJsonObject> workers = r.tasksNamed(QRegularExpression(QStringLiteral("^worker-\\d$")));
    QCOMPARE(workers.size(), 5);
    for (const QJsonObject& w : workers) {
        QCOMPARE(at(w, "state").toString(), QStringLiteral("cancelled"));
        QVERIFY(at(w, "finished_ms").toDouble() <= mainEnd); // by the shutdown, not by the runner
    }
    QVERIFY(at(r.latency("shutdown"), "min_ms").toDouble() >= 50); // the workers' cleanup

    // A worker that swallows its cancellation defeats the shutdown: Coroscope names it.
    const ExampleRun stubborn =
        run(QStringLiteral("graceful-shutdown"), {QStringLiteral("run_ms=200"), QStringLiteral("stubborn=1"),
                                                  QStringLiteral("shutdown_timeout_ms=300")});
    VERIFY_COMPLETED(stubborn, QStringLiteral("graceful-shutdown"));
    QVERIFY2(
        stubborn.line(QStringLiteral("shutdown: timed out after 300 ms; 1 still running: stubborn-worker"))
            .size(),
        qPrintable(stubborn.process.out));
    QCOMPARE(stubborn.diagnosticRules(), QStringList{QStringLiteral("task-leaked")});
    QCOMPARE(at(stubborn.diagnostics("task-leaked")[0], "task").toString(),
             QStringLiteral("stubborn-worker"));
}

void TestExamples::pubsub() {
    const ExampleRun r = run(QStringLiteral("pubsub"), {QStringLiteral("messages=30")});
    VERIFY_COMPLETED(r, QStringLiteral("pubsub"));
    QCOMPARE(r.line(QStringLiteral("sub-orders received")),
             QStringLiteral(R"(sub-orders received {"orders":30})"));
    QCOMPARE(r.line(QStringLiteral("sub-alerts received")),
             QStringLiteral(R"(sub-alerts received {"alerts":30})"));
    QCOMPARE(r.line(QStringLiteral("sub-audit received")),
             QStringLiteral(R"(sub-audit received {"orders":30,"alerts":30})"));
    QCOMPARE(at(r.latency("delivery"), "count").toInt(), 4 * 30);
    // The slow subscriber's messages wait in its queue: at least one handling time each.
    QVERIFY(at(r.latency("delivery-audit"), "p50_ms").toDouble() >= 10);
    QVERIFY(at(r.latency("delivery-audit"), "p50_ms").toDouble() >
            at(r.latency("delivery-alerts"), "p50_ms").toDouble());
    // Everything ended on its own: nothing cancelled, nothing leaked.
    QCOMPARE(r.tasksIn("cancelled"), 0);
    QCOMPARE(r.tasksIn("completed"), 6);
    QCOMPARE(r.diagnosticRules(), QStringList());
}

} // namespace

QTEST_GUILESS_MAIN(TestExamples)
#include "test_examples.moc"
