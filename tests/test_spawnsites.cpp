// The spawn-site profile: per place in the code that spawns tasks, how many, how they ended, how
// many were alive when main returned and at most; and the spawn-site-growing rule. Ground truth:
// a site that leaks a known number of tasks beside one whose tasks all finish.
#include "jsonreportvalidator.h"
#include "model/spawnsite.h"
#include "reading/sessionreader.h"
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
#include <QTimer>

using namespace coroscope;
using namespace coroscope::test;
using namespace std::chrono_literals;

namespace {

Task<> waitsForever() {
    co_await sleepFor(1h);
}

Task<> shortTask() {
    co_await sleepFor(1ms);
}

const SpawnSite* siteAt(const std::vector<SpawnSite>& sites, const QString& suffix) {
    for (const SpawnSite& s : sites)
        if (s.location.endsWith(suffix))
            return &s;
    return nullptr;
}

QJsonObject siteIn(const QJsonArray& sites, const QString& suffix) {
    for (const QJsonValue v : sites)
        if (v.toObject().value(QLatin1String("location")).toString().endsWith(suffix))
            return v.toObject();
    return {};
}

// Line 6 spawns 30 tasks that never end; line 9, 50 that do, one at a time. Main returns with the 30 alive:
// shutdown then cancels them, which must not hide them from live_end.
constexpr char kScript[] = R"(function* idle() { yield sleep(3600000); }
function* quick(i) { yield sleep(i % 5); }
function* main() {
    for (let i = 0; i < 50; ++i) {
        if (i < 30) {
            spawn(idle);
        }
        const t =
            spawn(quick, i);
        yield t;
    }
}
)";

} // namespace

class TestSpawnSites : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void foldCountsLiveAtMainEndAndAtMost();
    void leakingSiteStandsOutInTheSessionAndReport();
    void growingSiteIsFlaggedAndChurningOneIsNot();
};

void TestSpawnSites::foldCountsLiveAtMainEndAndAtMost() {
    // Site a: 4 tasks alive together from t=10..40, two end at 50 (before main ends at 100), two
    // are cancelled at 120 (after). Site b: 10 tasks one after the other, each ending as the next
    // begins: never two alive at once.
    SpawnSiteFold fold(0, 200, 100);
    for (int i = 0; i < 4; ++i)
        fold.add({QStringLiteral("a.js:1"), 10 + 10 * i, i < 2 ? 50 : 120,
                  i < 2 ? TaskState::Completed : TaskState::Cancelled});
    for (int i = 0; i < 10; ++i)
        fold.add({QStringLiteral("b.js:2"), 10 * i, 10 * (i + 1), TaskState::Completed});
    fold.add({QStringLiteral("c.js:3"), 150, -1, TaskState::Suspended}); // after main: not live_end
    const std::vector<SpawnSite> sites = fold.sites();
    QCOMPARE(sites.size(), std::size_t(3));
    QCOMPARE(sites[0].location, QStringLiteral("a.js:1")); // most alive at main's end first
    QCOMPARE(sites[0].spawned, std::uint64_t(4));
    QCOMPARE(sites[0].liveEnd, std::uint64_t(2));
    QCOMPARE(sites[0].maxLive, std::uint64_t(4));
    QCOMPARE(sites[0].maxLiveNs, std::int64_t(40));
    QCOMPARE(sites[0].byState[std::size_t(TaskState::Completed)], std::uint64_t(2));
    QCOMPARE(sites[0].byState[std::size_t(TaskState::Cancelled)], std::uint64_t(2));
    const SpawnSite* b = siteAt(sites, QStringLiteral("b.js:2"));
    QVERIFY(b);
    QCOMPARE(b->spawned, std::uint64_t(10));
    QCOMPARE(b->maxLive, std::uint64_t(1));
    QCOMPARE(b->liveEnd, std::uint64_t(0));
    const SpawnSite* c = siteAt(sites, QStringLiteral("c.js:3"));
    QCOMPARE(c->liveEnd, std::uint64_t(0));
    QCOMPARE(c->maxLive, std::uint64_t(1));
    // The series: bounded, ascending, its peak the maximum, and a's count back to 0 at the end.
    QCOMPARE(sites[0].live.size(), SpawnSite::kMaxSeriesPoints);
    std::uint64_t peak = 0;
    for (std::size_t i = 0; i < sites[0].live.size(); ++i) {
        peak = std::max(peak, sites[0].live[i].second);
        if (i > 0)
            QVERIFY(sites[0].live[i].first > sites[0].live[i - 1].first);
    }
    QCOMPARE(peak, std::uint64_t(4));
    QCOMPARE(sites[0].live.back().second, std::uint64_t(0));
    QCOMPARE(c->live.back().second, std::uint64_t(1));
}

void TestSpawnSites::leakingSiteStandsOutInTheSessionAndReport() {
    const QTemporaryDir dir;
    const ScriptSession recorded = runScriptToSession(dir, QStringLiteral("sites.js"), kScript);
    QVERIFY2(recorded.error.isEmpty(), qPrintable(recorded.error));
    const QString& path = recorded.path;

    for (const bool taskRows : {true, false}) { // folded from the rows, or streamed from the table
        const session::SessionData data = session::readSession(path, {.taskRows = taskRows});
        const SpawnSite* leak = siteAt(data.spawnSites, QStringLiteral("sites.js:6"));
        const SpawnSite* quick = siteAt(data.spawnSites, QStringLiteral("sites.js:9"));
        QVERIFY(leak && quick);
        QCOMPARE(leak->spawned, std::uint64_t(30));
        QCOMPARE(leak->liveEnd, std::uint64_t(30));
        QCOMPARE(leak->maxLive, std::uint64_t(30));
        QCOMPARE(leak->byState[std::size_t(TaskState::Cancelled)], std::uint64_t(30)); // by shutdown
        QCOMPARE(quick->spawned, std::uint64_t(50));
        QCOMPARE(quick->liveEnd, std::uint64_t(0));
        QCOMPARE(quick->byState[std::size_t(TaskState::Completed)], std::uint64_t(50));
        QCOMPARE(quick->maxLive, std::uint64_t(1));                 // each awaited before the next is spawned
        QCOMPARE(data.spawnSites.front().location, leak->location); // the leak leads
    }

    const session::SessionData data = session::readSession(path);
    const QByteArray json = renderReport(ReportFormat::Json, data);
    const std::optional<QString> problem = validateJsonReport(json);
    QVERIFY2(!problem, qPrintable(problem.value_or(QString())));
    const QJsonArray sites = QJsonDocument::fromJson(json)
                                 .object()
                                 .value(QLatin1String("tasks"))
                                 .toObject()
                                 .value(QLatin1String("spawn_sites"))
                                 .toArray();
    const QJsonObject leak = siteIn(sites, QStringLiteral("sites.js:6"));
    QCOMPARE(leak.value(QLatin1String("spawned")).toInt(), 30);
    QCOMPARE(leak.value(QLatin1String("live_end")).toInt(), 30);
    QCOMPARE(leak.value(QLatin1String("max_live")).toInt(), 30);
    QCOMPARE(leak.value(QLatin1String("cancelled")).toInt(), 30);
    const QJsonObject quick = siteIn(sites, QStringLiteral("sites.js:9"));
    QCOMPARE(quick.value(QLatin1String("completed")).toInt(), 50);
    QCOMPARE(quick.value(QLatin1String("live_end")).toInt(), 0);

    // Every other format has them too: spawned, completed, failed, cancelled, live_end, max_live.
    const QString csv =
        QString::fromUtf8(renderReport(ReportFormat::Csv, data, {.csvTable = CsvTable::SpawnSites}));
    QVERIFY2(csv.contains(QStringLiteral("sites.js:6,30,0,0,30,30,30\r\n")), qPrintable(csv));
    QVERIFY2(csv.contains(QStringLiteral("sites.js:9,50,50,0,0,0,1\r\n")), qPrintable(csv));
    const QString md = QString::fromUtf8(renderReport(ReportFormat::Markdown, data));
    QVERIFY2(md.contains(QStringLiteral("sites.js:6` | 30 | 0 | 0 | 30 | 30 | 30 |")), qPrintable(md));
    const QString html = QString::fromUtf8(renderReport(ReportFormat::Html, data));
    // The leak first in the spawn-site table (the task table above it lists tasks in an order of
    // their own: by how long they ran, which depends on the machine).
    const qsizetype table = html.indexOf(QStringLiteral("<h3>Spawn sites</h3>"));
    QVERIFY(table >= 0);
    const qsizetype leakRow = html.indexOf(QStringLiteral("sites.js:6"), table);
    const qsizetype quickRow = html.indexOf(QStringLiteral("sites.js:9"), table);
    QVERIFY(leakRow > table && quickRow > leakRow);
}

void TestSpawnSites::growingSiteIsFlaggedAndChurningOneIsNot() {
    Settings settings;
    settings.spawnSiteGrowthTasks = 20;
    settings.spawnSiteGrowthWindow = 1s;
    Profiler profiler(settings);
    profiler.start();
    std::vector<Task<>> kept;
    QTimer spawner;
    const int leakLine = __LINE__ + 2;
    QObject::connect(&spawner, &QTimer::timeout, [&] {
        kept.push_back(spawn(QStringLiteral("leak"), waitsForever));
        for (int i = 0; i < 5; ++i)
            kept.push_back(spawn(QStringLiteral("churn"), shortTask)); // come and go
    });
    spawner.start(10ms);
    QVERIFY(spinUntil(
        [&] { return countDiagnostics(profiler.snapshot(), QStringLiteral("spawn-site-growing")) > 0; }, 5s));
    QVERIFY(spinUntil([] { return false; }, 500ms) == false); // more checkpoints: still one finding
    spawner.stop();
    for (Task<>& t : kept)
        t.cancel();
    QVERIFY(spinUntil(
        [&] { return std::all_of(kept.begin(), kept.end(), [](const Task<>& t) { return t.isDone(); }); }));
    profiler.stop();
    const RunSnapshot s = profiler.snapshot();
    QCOMPARE(countDiagnostics(s, QStringLiteral("spawn-site-growing")), 1);
    const Diagnostic* d = findDiagnostic(s, QStringLiteral("spawn-site-growing"));
    const QString where = QStringLiteral("test_spawnsites.cpp:%1").arg(leakLine);
    QVERIFY2(d->location.endsWith(where), qPrintable(d->location + QStringLiteral(" vs ") + where));
    QVERIFY2(d->message.contains(QStringLiteral("keep piling up")), qPrintable(d->message));
}

COROSCOPE_TEST_MAIN(TestSpawnSites)
#include "test_spawnsites.moc"
