// The Await & spawn sites page without a run: its two models, their sorts, the live-count chart
// of the selected spawn site, selection across refreshes and the empty states. With
// SITES_SESSION set, also renders the page over that session into SITES_PNG (default
// /tmp/sitespage.png) to look at.
#include "model/format.h"
#include "models/awaitsitemodel.h"
#include "models/spawnsitemodel.h"
#include "panels/sitespage.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QHeaderView>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace coroscope;
using namespace coroscope::ui;

namespace {

constexpr std::int64_t kStartNs = 5'000'000'000; // not 0: the chart's x counts from the run's start
constexpr std::int64_t kSecond = 1'000'000'000;

AwaitSiteStats awaitSite(const char* location, const char* awaited) {
    AwaitSiteStats site;
    site.location = QString::fromLatin1(location);
    site.awaited = QString::fromLatin1(awaited);
    return site;
}

SpawnSite spawnSite(const char* location, std::uint64_t spawned, std::uint64_t completed,
                    std::uint64_t failed, std::uint64_t cancelled, std::uint64_t liveEnd,
                    std::vector<std::pair<std::int64_t, std::uint64_t>> live) {
    SpawnSite site;
    site.location = QString::fromLatin1(location);
    site.spawned = spawned;
    site.byState[std::size_t(TaskState::Completed)] = completed;
    site.byState[std::size_t(TaskState::Failed)] = failed;
    site.byState[std::size_t(TaskState::Cancelled)] = cancelled;
    site.liveEnd = liveEnd;
    for (const auto& [t, n] : live)
        site.maxLive = std::max(site.maxLive, n);
    site.live = std::move(live);
    return site;
}

/// app.js:10 waits 100 × 1 ms (the most in total); app.js:20 9 × 100 µs and once 50 ms (the worst
/// p99). app.js:30 leaks (8 alive at main's end), app.js:40 does not.
std::shared_ptr<session::SessionData> makeSession() {
    auto data = std::make_shared<session::SessionData>();
    data->info.startNs = kStartNs;
    data->info.durationNs = 3 * kSecond;
    AwaitSiteStats sleep = awaitSite("app.js:10", "sleep");
    sleep.micros.record(1000, 100);
    AwaitSiteStats network = awaitSite("app.js:20", "network");
    network.micros.record(100, 9);
    network.micros.record(50'000);
    data->snapshot.awaitSites = {sleep, network};
    data->spawnSites = {
        spawnSite("app.js:30", 10, 2, 0, 8, 8,
                  {{kStartNs, 0}, {kStartNs + kSecond, 4}, {kStartNs + 2 * kSecond, 8}}),
        spawnSite("app.js:40", 20, 19, 1, 0, 0,
                  {{kStartNs, 1}, {kStartNs + kSecond, 3}, {kStartNs + 2 * kSecond, 0}}),
    };
    return data;
}

QString cell(QTableView& view, int row, int column, int role = Qt::DisplayRole) {
    return view.model()->index(row, column).data(role).toString();
}

bool hasPoint(const QLineSeries& series, QPointF p) {
    const QList<QPointF> points = series.points();
    return std::any_of(points.begin(), points.end(), [p](QPointF q) {
        return qFuzzyCompare(q.x() + 1, p.x() + 1) && qFuzzyCompare(q.y() + 1, p.y() + 1);
    });
}

} // namespace

class TestSitesView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void awaitModelShowsReadableDurationsSortsNumbers();
    void spawnModelCountsByState();
    void awaitTableSortsByTotalThenByP99();
    void spawnTableKeepsTheSessionOrder();
    void chartShowsTheSelectedSitesLiveCount();
    void selectionAndSortSurviveRefreshes();
    void doubleClickActivatesTheLocation();
    void emptyStatesSaySo();
    void renderRealSession();
};

void TestSitesView::awaitModelShowsReadableDurationsSortsNumbers() {
    AwaitSiteModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSession(makeSession());
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), 8);
    QCOMPARE(model.headerData(AwaitSiteModel::P99, Qt::Horizontal).toString(), QStringLiteral("p99"));
    QCOMPARE(model.index(0, AwaitSiteModel::Location).data().toString(), QStringLiteral("app.js:10"));
    QCOMPARE(model.index(0, AwaitSiteModel::Awaited).data().toString(), QStringLiteral("sleep"));
    QCOMPARE(model.index(0, AwaitSiteModel::Count).data().toULongLong(), 100u);
    QCOMPARE(model.index(0, AwaitSiteModel::Total).data().toString(), formatDuration(100'000'000));
    QCOMPARE(model.index(0, AwaitSiteModel::P50).data().toString(), formatDuration(1'000'000));
    QCOMPARE(model.index(1, AwaitSiteModel::P99).data().toString(), formatDuration(50'000'000));
    QCOMPARE(model.index(1, AwaitSiteModel::Max).data().toString(), formatDuration(50'000'000));
    QCOMPARE(model.index(1, AwaitSiteModel::P50).data().toString(), formatDuration(100'000));
    // The sort sees numbers (µs), not "50.0 ms" < "100 ms" as text.
    QCOMPARE(model.index(1, AwaitSiteModel::Total).data(AwaitSiteModel::SortRole).toDouble(), 50'900.0);
    QCOMPARE(model.index(1, AwaitSiteModel::P99).data(AwaitSiteModel::SortRole).toDouble(), 50'000.0);
    QCOMPARE(model.index(1, AwaitSiteModel::Count).data(AwaitSiteModel::LocationRole).toString(),
             QStringLiteral("app.js:20"));
}

void TestSitesView::spawnModelCountsByState() {
    SpawnSiteModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSession(makeSession());
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), 7);
    QCOMPARE(model.headerData(SpawnSiteModel::AliveAtEnd, Qt::Horizontal).toString(),
             QStringLiteral("Alive at main's end"));
    const auto at = [&](int row, int column) { return model.index(row, column).data().toULongLong(); };
    QCOMPARE(at(0, SpawnSiteModel::Spawned), 10u);
    QCOMPARE(at(0, SpawnSiteModel::Completed), 2u);
    QCOMPARE(at(0, SpawnSiteModel::Cancelled), 8u);
    QCOMPARE(at(0, SpawnSiteModel::AliveAtEnd), 8u);
    QCOMPARE(at(0, SpawnSiteModel::MostAlive), 8u);
    QCOMPARE(at(1, SpawnSiteModel::Failed), 1u);
    QCOMPARE(at(1, SpawnSiteModel::MostAlive), 3u);
    QCOMPARE(model.index(1, SpawnSiteModel::Location).data().toString(), QStringLiteral("app.js:40"));
}

void TestSitesView::awaitTableSortsByTotalThenByP99() {
    SitesPage page;
    page.setData(makeSession());
    QTableView& view = page.awaitView();
    QCOMPARE(view.horizontalHeader()->sortIndicatorSection(), int(AwaitSiteModel::Total));
    QCOMPARE(view.horizontalHeader()->sortIndicatorOrder(), Qt::DescendingOrder);
    QCOMPARE(cell(view, 0, AwaitSiteModel::Location), QStringLiteral("app.js:10")); // 100 ms > 50.9 ms
    view.sortByColumn(AwaitSiteModel::P99, Qt::DescendingOrder);
    QCOMPARE(cell(view, 0, AwaitSiteModel::Location), QStringLiteral("app.js:20")); // 50 ms > 1 ms
    view.sortByColumn(AwaitSiteModel::Count, Qt::AscendingOrder);
    QCOMPARE(cell(view, 0, AwaitSiteModel::Location), QStringLiteral("app.js:20")); // 10 < 100 as numbers
}

void TestSitesView::spawnTableKeepsTheSessionOrder() {
    auto data = makeSession();
    // A session order that no column sort gives: the leak first, though it spawned fewer.
    SitesPage page;
    page.setData(data);
    QTableView& view = page.spawnView();
    QVERIFY(view.isSortingEnabled());
    QCOMPARE(view.horizontalHeader()->sortIndicatorSection(), -1);
    QCOMPARE(cell(view, 0, SpawnSiteModel::Location), QStringLiteral("app.js:30"));
    QCOMPARE(cell(view, 1, SpawnSiteModel::Location), QStringLiteral("app.js:40"));
    view.sortByColumn(SpawnSiteModel::Spawned, Qt::DescendingOrder);
    QCOMPARE(cell(view, 0, SpawnSiteModel::Location), QStringLiteral("app.js:40"));
}

void TestSitesView::chartShowsTheSelectedSitesLiveCount() {
    SitesPage page;
    page.setData(makeSession());
    // The top leak suspect is charted before anything is clicked.
    QCOMPARE(page.chartedLocation(), QStringLiteral("app.js:30"));
    const QLineSeries& live = page.liveSeries();
    for (const QPointF p : {QPointF(0, 0), QPointF(1, 4), QPointF(2, 8), QPointF(3, 8)})
        QVERIFY2(hasPoint(live, p), qPrintable(QStringLiteral("(%1, %2)").arg(p.x()).arg(p.y())));
    QVERIFY(hasPoint(live, QPointF(1, 0)));        // a step, not a slope
    QCOMPARE(live.points().back(), QPointF(3, 8)); // held to the run's end

    QTableView& view = page.spawnView();
    view.selectionModel()->setCurrentIndex(view.model()->index(1, 0),
                                           QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(page.chartedLocation(), QStringLiteral("app.js:40"));
    QVERIFY(hasPoint(live, QPointF(0, 1)));
    QVERIFY(hasPoint(live, QPointF(1, 3)));
    QVERIFY(hasPoint(live, QPointF(2, 0)));
    QVERIFY(!hasPoint(live, QPointF(2, 8)));
}

void TestSitesView::selectionAndSortSurviveRefreshes() {
    SitesPage page;
    auto data = makeSession();
    page.setData(data);
    QTableView& awaits = page.awaitView();
    QTableView& spawns = page.spawnView();
    awaits.sortByColumn(AwaitSiteModel::P99, Qt::DescendingOrder);
    awaits.selectRow(1); // app.js:10
    spawns.selectRow(1); // app.js:40
    QCOMPARE(cell(awaits, awaits.currentIndex().row(), 0), QStringLiteral("app.js:10"));

    page.setData(makeSession()); // the same sites again, as a live refresh gives them
    QCOMPARE(awaits.horizontalHeader()->sortIndicatorSection(), int(AwaitSiteModel::P99));
    QCOMPARE(cell(awaits, 0, 0), QStringLiteral("app.js:20"));
    QCOMPARE(cell(awaits, awaits.currentIndex().row(), 0), QStringLiteral("app.js:10"));
    QCOMPARE(awaits.selectionModel()->selectedRows().size(), 1);
    QCOMPARE(cell(spawns, spawns.currentIndex().row(), 0), QStringLiteral("app.js:40"));
    QCOMPARE(page.chartedLocation(), QStringLiteral("app.js:40"));

    // A new site resets the models: the selected ones are found again by location.
    auto grown = makeSession();
    AwaitSiteStats extra = awaitSite("app.js:5", "task");
    extra.micros.record(10);
    grown->snapshot.awaitSites.insert(grown->snapshot.awaitSites.begin(), extra);
    grown->spawnSites.insert(grown->spawnSites.begin(),
                             spawnSite("app.js:1", 1, 0, 0, 0, 1, {{kStartNs, 1}}));
    page.setData(grown);
    QCOMPARE(awaits.model()->rowCount(), 3);
    QCOMPARE(cell(awaits, awaits.currentIndex().row(), 0), QStringLiteral("app.js:10"));
    QCOMPARE(cell(spawns, spawns.currentIndex().row(), 0), QStringLiteral("app.js:40"));
    QCOMPARE(page.chartedLocation(), QStringLiteral("app.js:40"));
    QCOMPARE(awaits.horizontalHeader()->sortIndicatorSection(), int(AwaitSiteModel::P99));
}

void TestSitesView::doubleClickActivatesTheLocation() {
    SitesPage page;
    page.setData(makeSession());
    QSignalSpy spy(&page, &SitesPage::locationActivated);
    Q_EMIT page.awaitView().doubleClicked(page.awaitView().model()->index(0, AwaitSiteModel::P99));
    Q_EMIT page.spawnView().doubleClicked(page.spawnView().model()->index(1, SpawnSiteModel::Spawned));
    QCOMPARE(spy.size(), 2);
    QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("app.js:10"));
    QCOMPARE(spy.at(1).at(0).toString(), QStringLiteral("app.js:40"));
}

void TestSitesView::emptyStatesSaySo() {
    SitesPage page;
    page.setData(makeSession());
    QVERIFY(page.awaitNote().contains(QStringLiteral("by total time suspended")));
    QVERIFY(!page.awaitView().isHidden());
    auto empty = std::make_shared<session::SessionData>();
    page.setData(empty);
    QCOMPARE(page.awaitNote(), QStringLiteral("No task awaited anything."));
    QCOMPARE(page.spawnNote(), QStringLiteral("No task was spawned."));
    QVERIFY(page.awaitView().isHidden());
    QVERIFY(page.spawnView().isHidden() || page.spawnView().parentWidget()->isHidden());
    QVERIFY(page.chartedLocation().isEmpty());
    QVERIFY(page.liveSeries().points().isEmpty());
    page.setData(nullptr);
    QVERIFY(page.awaitNote().contains(QStringLiteral("Open or run a session")));
}

void TestSitesView::renderRealSession() {
    const QString path = qEnvironmentVariable("SITES_SESSION");
    if (path.isEmpty())
        QSKIP("SITES_SESSION is not set: nothing to render");
    auto data = std::make_shared<session::SessionData>(session::readSession(path));
    SitesPage page;
    page.resize(1400, 900);
    page.setData(data);
    page.show();
    QCoreApplication::processEvents();
    QVERIFY(page.awaitSites().rowCount() > 0);
    QVERIFY(page.spawnSites().rowCount() > 0);
    QVERIFY(page.liveSeries().count() > 0);
    const QString out = qEnvironmentVariable("SITES_PNG", QStringLiteral("/tmp/sitespage.png"));
    QVERIFY(page.grab().save(out));
}

QTEST_MAIN(TestSitesView)
#include "test_sitesview.moc"
