// The task views over a big session: TaskStore filters and sorts in SQLite, the table model pages
// rows in as views show them and keeps a selection on its task while rows move, the timeline
// reads only the segments of the rows and window it shows.
#include "models/tasktablemodel.h"
#include "panels/tasktimeline.h"
#include "reading/taskstore.h"
#include "run/taskstoreworker.h"
#include "syntheticsession.h"
#include "testsupport.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace coroscope;
using namespace coroscope::ui;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kTasks = 100'000;

std::uint32_t bit(TaskState s) {
    return 1u << int(s);
}

} // namespace

class TestTaskViews : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void storeFiltersAndSortsInTheDatabase();
    void storeReadsFamiliesAndSegmentWindows();
    void modelPagesRowsAndKeepsTheSelectedTask();
    void modelFollowsAGrowingSession();
    void timelineZoomsPansAndSelects();

private:
    QTemporaryDir m_dir;
    QString m_path;
};

void TestTaskViews::initTestCase() {
    m_path = m_dir.filePath(QStringLiteral("big.coroscope"));
    test::writeSyntheticSession(m_path, kTasks, 3);
}

void TestTaskViews::storeFiltersAndSortsInTheDatabase() {
    session::TaskStore store(m_path);
    QCOMPARE(store.ids({}).size(), std::size_t(kTasks));
    const auto counts = store.countByState();
    QCOMPARE(counts[std::size_t(TaskState::Failed)], kTasks / 7 + (kTasks % 7 >= 5 ? 1 : 0));
    // By state: exactly the ids with that state, in id order.
    const auto failed = store.ids({.stateMask = bit(TaskState::Failed)});
    QCOMPARE(failed.size(), std::size_t(counts[std::size_t(TaskState::Failed)]));
    QVERIFY(std::all_of(failed.begin(), failed.end(), [](std::uint64_t id) { return id % 7 == 5; }));
    QVERIFY(std::is_sorted(failed.begin(), failed.end()));
    // By text: names, case-insensitive, wildcards taken literally; or an id.
    const auto named = store.ids({.text = QStringLiteral("TASK-96")});
    QCOMPARE(named.size(), std::size_t(kTasks / 97 + (kTasks % 97 >= 96 ? 1 : 0)));
    QVERIFY(store.ids({.text = QStringLiteral("task_9%")}).empty());
    QCOMPARE(store.ids({.text = QStringLiteral("boom 99993")}), std::vector<std::uint64_t>{99993});
    QCOMPARE(store.ids({.text = QStringLiteral("4242")}).front(), std::uint64_t(4242));
    // By a number, descending, ties by id: live heap is (id * 37) % 4096.
    const auto byHeap = store.ids({.sortKey = session::taskcolumn::LiveHeap, .descending = true});
    const auto top = store.tasks(std::span(byHeap).first(500));
    QCOMPARE(top.size(), std::size_t(500));
    QCOMPARE(top.front().liveBytes, std::int64_t(4095));
    for (std::size_t i = 1; i < top.size(); ++i) {
        QVERIFY(top[i - 1].liveBytes >= top[i].liveBytes);
        if (top[i - 1].liveBytes == top[i].liveBytes)
            QVERIFY(top[i - 1].id > top[i].id);
    }
    // Lifetime of unfinished tasks counts up to "now".
    const std::int64_t now = test::syntheticCreatedNs(kTasks) + 1'000'000'000;
    const auto byLife =
        store.ids({.sortKey = session::taskcolumn::Lifetime, .descending = true, .nowNs = now});
    const auto longest = store.tasks(std::span(byLife).first(1));
    QCOMPARE(longest.front().id, std::uint64_t(1)); // unfinished (state 1), created first
    // Combined, and rows come back in the order asked for.
    const auto mix = store.ids({.text = QStringLiteral("task-3"),
                                .stateMask = bit(TaskState::Running),
                                .sortKey = session::taskcolumn::Created,
                                .descending = true});
    QVERIFY(!mix.empty());
    const auto rows = store.tasks(mix);
    QCOMPARE(rows.size(), mix.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        QCOMPARE(rows[i].id, mix[i]);
        QCOMPARE(rows[i].state, TaskState::Running);
        QVERIFY(rows[i].name.startsWith(QStringLiteral("task-3")));
    }
}

void TestTaskViews::storeReadsFamiliesAndSegmentWindows() {
    session::TaskStore store(m_path);
    std::size_t total = 0;
    const auto children = store.children(5, 4, &total);
    QCOMPARE(total, std::size_t(10)); // 50..59
    QCOMPARE(children.size(), std::size_t(4));
    QCOMPARE(children.front().id, std::uint64_t(50));
    QVERIFY(!store.task(kTasks + 1));
    // Task 7's three segments start at created + 10 µs, +110 µs, +210 µs and last 20 µs.
    const std::int64_t c = test::syntheticCreatedNs(7);
    const std::uint64_t ids[] = {7, 8};
    auto window = store.segments(ids, c + 100'000, c + 150'000, 100);
    QCOMPARE(window.segments.size(), std::size_t(2)); // the second of task 7 and of task 8 (1 µs later)
    QCOMPARE(window.segments[0].taskId, std::uint64_t(7));
    QCOMPARE(window.segments[0].startNs, c + 110'000);
    QVERIFY(!window.truncated);
    window = store.segments(ids, 0, std::numeric_limits<std::int64_t>::max(), 2);
    QCOMPARE(window.segments.size(), std::size_t(4));
    QVERIFY(window.truncated);
    QVERIFY_THROWS_EXCEPTION(session::SessionError,
                             session::TaskStore(m_dir.filePath(QStringLiteral("none"))));
}

void TestTaskViews::modelPagesRowsAndKeepsTheSelectedTask() {
    TaskStoreWorker worker;
    worker.setPath(m_path);
    TaskTableModel model(worker);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSession(m_path, test::kSyntheticStartNs);
    QVERIFY(test::spinUntil([&] { return model.isSettled() && model.rowCount() == int(kTasks); }, 20s));
    // A row far down: its id at once, the rest once its page is fetched.
    const QModelIndex far = model.index(77'777, TaskTableModel::Name);
    QCOMPARE(model.data(far.siblingAtColumn(TaskTableModel::Id)).toULongLong(), 77'778ull);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    if (model.data(far).toString() == QStringLiteral("…"))
        QVERIFY(test::spinUntil([&] { return model.isSettled() && !changed.isEmpty(); }, 10s));
    QCOMPARE(model.data(far).toString(), QStringLiteral("task-%1").arg(77'778 % 97));
    // A selection (a persistent index) follows its task through a sort done by the database.
    const QPersistentModelIndex selected(model.index(12'345, TaskTableModel::Id));
    model.sort(TaskTableModel::LiveHeap, Qt::DescendingOrder);
    QVERIFY(test::spinUntil(
        [&] { return model.isSettled() && model.query().sortKey == session::taskcolumn::LiveHeap; }, 20s));
    QVERIFY(selected.isValid());
    QCOMPARE(model.taskIdAt(selected.row()), std::uint64_t(12'346));
    QVERIFY(selected.row() != 12'345);
    QVERIFY(test::spinUntil([&] { return model.taskAt(0) != nullptr; }, 10s));
    QCOMPARE(model.taskAt(0)->liveBytes, std::int64_t(4095));
    // A state filter leaves fewer rows; the selected task, failed, stays selected.
    model.setStateFilter(bit(TaskState::Failed) | bit(TaskState::Cancelled));
    QVERIFY(test::spinUntil([&] { return model.isSettled() && model.rowCount() < int(kTasks / 3); }, 20s));
    QCOMPARE(model.rowOfTask(12'346) >= 0, 12'346 % 7 >= 5);
    model.setTextFilter(QStringLiteral("no task is called this"));
    QVERIFY(test::spinUntil([&] { return model.isSettled() && model.rowCount() == 0; }, 20s));
}

void TestTaskViews::modelFollowsAGrowingSession() {
    const QString path = m_dir.filePath(QStringLiteral("growing.coroscope"));
    test::writeSyntheticSession(path, 1000, 1, false);
    TaskStoreWorker worker;
    worker.setPath(path);
    TaskTableModel model(worker);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSession(path, test::kSyntheticStartNs);
    QVERIFY(test::spinUntil([&] { return model.isSettled() && model.rowCount() == 1000; }, 10s));
    const QPersistentModelIndex selected(model.index(500, 0));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    {
        // The runner commits more tasks.
        session::Database db(path, session::Database::Mode::Create);
        db.exec("INSERT INTO tasks (id, parent_id, name, state, created_ns, finished_ns) "
                "SELECT id + 1000, 1, 'late', 'running', created_ns, -1 FROM tasks WHERE id <= 500");
    }
    model.refresh(test::kSyntheticStartNs, test::syntheticCreatedNs(2000));
    QVERIFY(test::spinUntil([&] { return model.isSettled() && model.rowCount() == 1500; }, 10s));
    QCOMPARE(inserted.size(), 1); // appended, not reset
    QCOMPARE(reset.size(), 0);
    QCOMPARE(selected.row(), 500);
}

void TestTaskViews::timelineZoomsPansAndSelects() {
    TaskStoreWorker worker;
    worker.setPath(m_path);
    TaskTableModel model(worker);
    model.setSession(m_path, test::kSyntheticStartNs);
    TaskTimeline timeline(model, worker);
    timeline.resize(900, 300);
    timeline.show();
    QVERIFY(QTest::qWaitForWindowExposed(&timeline));
    const std::int64_t end = test::syntheticCreatedNs(kTasks) + 10'000'000;
    timeline.setRunSpan(test::kSyntheticStartNs, end);
    QCOMPARE(timeline.windowFrom(), test::kSyntheticStartNs);
    QCOMPARE(timeline.windowTo(), end);
    QVERIFY(test::spinUntil(
        [&] { return model.isSettled() && timeline.isSettled() && timeline.segmentsShown() > 0; }, 20s));
    // Only the rows shown were read: 3 segments each.
    QVERIFY2(timeline.segmentsShown() <= std::size_t(3 * 30),
             qPrintable(QString::number(timeline.segmentsShown())));
    // The first row: hovering says what it is; a click selects it.
    const QPoint firstRow(timeline.width() / 2, timeline.fontMetrics().height() + 8 + 4);
    QCOMPARE(timeline.taskAt(firstRow), std::uint64_t(1));
    QVERIFY(test::spinUntil([&] { return !timeline.toolTipAt(firstRow).isEmpty(); }, 5s));
    QVERIFY2(timeline.toolTipAt(firstRow).startsWith(QStringLiteral("task-1 #1")),
             qPrintable(timeline.toolTipAt(firstRow)));
    QSignalSpy clicked(&timeline, &TaskTimeline::taskClicked);
    QTest::mouseClick(&timeline, Qt::LeftButton, {}, firstRow);
    QCOMPARE(clicked.size(), 1);
    QCOMPARE(clicked.at(0).at(0).toULongLong(), 1ull);
    // The wheel zooms around the pointer: the time under it stays put.
    const std::int64_t span = timeline.windowTo() - timeline.windowFrom();
    const QPointF at(timeline.width() * 0.75, 100);
    QWheelEvent wheel(at, timeline.mapToGlobal(at), {}, QPoint(0, 240), Qt::NoButton, {}, Qt::NoScrollPhase,
                      false);
    QApplication::sendEvent(&timeline, &wheel);
    const std::int64_t zoomed = timeline.windowTo() - timeline.windowFrom();
    QVERIFY2(std::abs(double(zoomed) / double(span) - 1 / 1.5625) < 0.01,
             qPrintable(QString::number(zoomed)));
    // A drag to the right shows earlier times; a drag up shows later rows.
    const std::int64_t from = timeline.windowFrom();
    QTest::mousePress(&timeline, Qt::LeftButton, {}, QPoint(500, 200));
    QMouseEvent move(QEvent::MouseMove, QPointF(600, 100), timeline.mapToGlobal(QPointF(600, 100)),
                     Qt::NoButton, Qt::LeftButton, {});
    QApplication::sendEvent(&timeline, &move);
    QTest::mouseRelease(&timeline, Qt::LeftButton, {}, QPoint(600, 100));
    QVERIFY(timeline.windowFrom() < from);
    QVERIFY(timeline.firstRow() > 0);
    QCOMPARE(clicked.size(), 1); // a drag is not a click
    // Home fits the run again.
    QTest::keyClick(&timeline, Qt::Key_Home);
    QCOMPARE(timeline.windowFrom(), test::kSyntheticStartNs);
    QCOMPARE(timeline.windowTo(), end);
}

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    TestTaskViews test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_taskviews.moc"
