// The await-site profile: per place tasks await (a script's `yield`, a C++ `co_await`), how
// often and how long they stayed suspended. Ground truth: sites with known delays.
#include "jsonreportvalidator.h"
#include "reading/sessionreader.h"
#include "recording/sessionwriter.h"
#include "report/jsonreport.h"
#include "report/reportformat.h"
#include "scriptsession.h"
#include "testsupport.h"
#include <coroscope/sleep.h>
#include <coroscope/task.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

using namespace coroscope;
using namespace coroscope::test;
using namespace std::chrono_literals;

namespace {

const AwaitSiteStats* siteAt(const std::vector<AwaitSiteStats>& sites, const QString& suffix) {
    for (const AwaitSiteStats& s : sites)
        if (s.location.endsWith(suffix))
            return &s;
    return nullptr;
}

// Line 3 sleeps 20 ms 10 times, line 6 sleeps 2 ms 40 times, line 10 awaits a task that sleeps
// 50 ms (its own await, line 8, too).
constexpr char kScript[] = R"(function* slow() {
    for (let i = 0; i < 10; ++i)
        yield sleep(20);
}
function* fast() {
    for (let i = 0; i < 40; ++i) yield sleep(2);
}
function* child() { yield sleep(50); }
function* main() {
    yield spawn(child);
    const a = spawn(slow), b = spawn(fast);
    yield a;
    yield b;
}
)";

int g_sleepLine = 0;
Task<> sleeper(int times) {
    for (int i = 0; i < times; ++i) {
        g_sleepLine = __LINE__ + 1;
        co_await sleepFor(15ms);
    }
}

} // namespace

class TestAwaitSites : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void scriptYieldsAreSitesWithTheirDelays();
    void cppCoAwaitIsItsOwnSite();
};

void TestAwaitSites::scriptYieldsAreSitesWithTheirDelays() {
    const QTemporaryDir dir;
    const ScriptSession recorded = runScriptToSession(dir, QStringLiteral("waits.js"), kScript);
    QVERIFY2(recorded.error.isEmpty(), qPrintable(recorded.error));
    const session::SessionData data = session::readSession(recorded.path);

    // The same in the live snapshot and in the session.
    for (const std::vector<AwaitSiteStats>* sites : {&recorded.live.awaitSites, &data.snapshot.awaitSites}) {
        const AwaitSiteStats* slow = siteAt(*sites, QStringLiteral("waits.js:3"));
        const AwaitSiteStats* fast = siteAt(*sites, QStringLiteral("waits.js:6"));
        const AwaitSiteStats* child = siteAt(*sites, QStringLiteral("waits.js:8"));
        const AwaitSiteStats* joined = siteAt(*sites, QStringLiteral("waits.js:10"));
        QVERIFY(slow && fast && child && joined);
        QCOMPARE(slow->micros.count(), std::uint64_t(10));
        QCOMPARE(fast->micros.count(), std::uint64_t(40));
        QCOMPARE(child->micros.count(), std::uint64_t(1));
        QCOMPARE(joined->micros.count(), std::uint64_t(1));
        QCOMPARE(slow->awaited, QStringLiteral("sleep"));
        QCOMPARE(joined->awaited, QStringLiteral("task"));
        // Never shorter than asked; late by at most a loop turn or two on a busy machine.
        QVERIFY2(slow->micros.min() >= 20'000 && slow->micros.percentile(50) < 30'000,
                 qPrintable(QString::number(slow->micros.percentile(50))));
        QVERIFY2(fast->micros.min() >= 2'000 && fast->micros.percentile(50) < 8'000,
                 qPrintable(QString::number(fast->micros.percentile(50))));
        QVERIFY2(joined->micros.max() >= 50'000 && joined->micros.max() < 80'000,
                 qPrintable(QString::number(joined->micros.max())));
    }

    const QByteArray json = renderReport(ReportFormat::Json, data);
    const std::optional<QString> problem = validateJsonReport(json);
    QVERIFY2(!problem, qPrintable(problem.value_or(QString())));
    const QJsonArray sites = QJsonDocument::fromJson(json)
                                 .object()[QLatin1String("tasks")][QLatin1String("await_sites")]
                                 .toArray();
    QVERIFY(sites.size() >= 4);
    // By total suspended time: slow (10 × 20 ms) leads, then the awaits of main and child (~50 ms
    // each... main's wait for `slow` is ~200 ms: longer still).
    double previous = 1e300;
    for (const QJsonValue v : sites) {
        const double total = v[QLatin1String("total_ms")].toDouble();
        QVERIFY(total <= previous);
        previous = total;
    }
    const auto find = [&](const QString& suffix) {
        for (const QJsonValue v : sites)
            if (v[QLatin1String("location")].toString().endsWith(suffix))
                return v.toObject();
        return QJsonObject();
    };
    const QJsonObject slow = find(QStringLiteral("waits.js:3"));
    QCOMPARE(slow[QLatin1String("count")].toInt(), 10);
    QVERIFY(slow[QLatin1String("total_ms")].toDouble() >= 200);
    QVERIFY(slow[QLatin1String("p50_ms")].toDouble() >= 20 && slow[QLatin1String("p50_ms")].toDouble() < 30);
    QCOMPARE(slow[QLatin1String("awaited")].toString(), QStringLiteral("sleep"));

    // In the other formats too.
    const QString csv =
        QString::fromUtf8(renderReport(ReportFormat::Csv, data, {.csvTable = CsvTable::AwaitSites}));
    QVERIFY2(csv.contains(QStringLiteral("waits.js:3,sleep,10,")), qPrintable(csv));
    QVERIFY2(csv.contains(QStringLiteral("waits.js:6,sleep,40,")), qPrintable(csv));
    const QString md = QString::fromUtf8(renderReport(ReportFormat::Markdown, data));
    QVERIFY2(md.contains(QStringLiteral("| `waits.js:3` | `sleep` | 10 |")), qPrintable(md));
    const QString html = QString::fromUtf8(renderReport(ReportFormat::Html, data));
    QVERIFY(html.contains(QStringLiteral("<h3>Await sites</h3>")));
    QVERIFY(html.contains(QStringLiteral("waits.js:6")));
}

void TestAwaitSites::cppCoAwaitIsItsOwnSite() {
    Profiler profiler;
    profiler.start();
    Task<> t = sleeper(8);
    QVERIFY(spinUntil([&] { return t.isDone(); }));
    profiler.stop();
    const RunSnapshot s = profiler.snapshot();
    const QString where = QStringLiteral("test_awaitsites.cpp:%1").arg(g_sleepLine);
    const AwaitSiteStats* site = siteAt(s.awaitSites, where);
    QVERIFY2(site, qPrintable(where));
    QCOMPARE(site->micros.count(), std::uint64_t(8));
    QCOMPARE(site->awaited, QStringLiteral("sleep"));
    QVERIFY2(site->micros.min() >= 15'000 && site->micros.percentile(50) < 25'000,
             qPrintable(QString::number(site->micros.percentile(50))));
}

COROSCOPE_TEST_MAIN(TestAwaitSites)
#include "test_awaitsites.moc"
