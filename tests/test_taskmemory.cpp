// The per-task heap series (issue 13: "per-task memory over time, a stacked chart of the top
// tasks"): recorded by a real run, read back (also from a session without the table, and from a
// damaged one), and drawn by the Memory view's stacked chart.
#include "charts/taskmemorychart.h"
#include "collect/taskmemorysampler.h"
#include "collect/tasktable.h"
#include "instrument/clock.h"
#include "instrument/record.h"
#include "reading/sessionreader.h"
#include "scriptfile.h"
#include "session/sqlite.h"
#include "sessionfilesupport.h"

#include <QApplication>
#include <QAreaSeries>
#include <QChart>
#include <QFile>
#include <QLineSeries>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <set>

using namespace coroscope;
using namespace coroscope::session;
using namespace coroscope::test;
using coroscope::ui::TaskMemoryChart;

namespace {

constexpr std::int64_t kMiB = 1 << 20;

// `grower` keeps 512 KiB more every 20 ms; `flat` holds 4 MiB from its start and churns 256 KiB
// buffers it frees; twelve `holder-N` keep N x 64 KiB each, so that more tasks hold heap than the
// runner keeps apart (8): the smaller ones are "other tasks".
const char* const kScript = R"js(
function* grower(stop) {
    const kept = [];
    while (!stop.isSet) { kept.push(alloc(512 * 1024)); yield sleep(20); }
    return kept.length;
}
function* flat(stop) {
    const held = alloc(4 * 1024 * 1024);
    while (!stop.isSet) { const b = alloc(256 * 1024); yield sleep(20); b.free(); }
    return held.size;
}
function* holder(stop, n) {
    const held = alloc(n * 64 * 1024);
    yield stop.wait();
    return held.size;
}
function* main() {
    const stop = new Event();
    const tasks = [spawn('grower', grower, stop), spawn('flat', flat, stop)];
    for (let n = 1; n <= 12; ++n) tasks.push(spawn('holder-' + n, holder, stop, n));
    yield sleep(1500);
    stop.set();
    yield gather(...tasks);
}
)js";

const TaskMemoryLayer* layerNamed(const TaskMemorySeries& s, const QString& name) {
    for (const TaskMemoryLayer& layer : s.layers)
        if (layer.name == name)
            return &layer;
    return nullptr;
}

/// The first time index at which the layer holds anything.
std::size_t firstHeld(const TaskMemoryLayer& layer) {
    const auto it =
        std::find_if(layer.liveBytes.begin(), layer.liveBytes.end(), [](auto b) { return b > 0; });
    return std::size_t(it - layer.liveBytes.begin());
}

TaskMemorySeries synthetic(std::size_t times, const std::vector<std::pair<std::uint64_t, QString>>& tasks) {
    TaskMemorySeries s;
    for (std::size_t i = 0; i < times; ++i)
        s.tNs.push_back(std::int64_t(i) * 100'000'000);
    for (const auto& [id, name] : tasks) {
        TaskMemoryLayer layer{id, name, 0, {}};
        for (std::size_t i = 0; i < times; ++i)
            layer.liveBytes.push_back(std::int64_t((id + 1) * i * 1024));
        layer.peakBytes = layer.liveBytes.back();
        s.layers.push_back(std::move(layer));
    }
    return s;
}

} // namespace

class TestTaskMemory : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void topTasksByPeakStayUntilALargerOneComes();
    void growingTaskRisesAmongTheTopTasks();
    void layersAddUpToTheTasksHeap();
    void sessionWithoutTheTableStillReads();
    void damagedTableKeepsTheRowsBeforeTheDamage();
    void chartStacksOneLayerPerTask();
    void chartReusesSeriesAndKeepsColours();
    void chartThinsLongSeries();

private:
    QTemporaryDir m_dir;
    QString m_session;
    SessionData m_data;
};

void TestTaskMemory::initTestCase() {
    QVERIFY(m_dir.isValid());
    const QString script = writeScriptFile(m_dir, QStringLiteral("growth.js"), QString::fromUtf8(kScript));
    m_session = m_dir.filePath(QStringLiteral("growth.coroscope"));
    const Result r = coroscopeCli({QStringLiteral("run"), script, QStringLiteral("--session"), m_session});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
    m_data = readSession(m_session);
    QVERIFY2(m_data.warnings.isEmpty(), qPrintable(m_data.warnings.join(u'\n')));
}

// The chart's layers must not reshuffle as figures cross: a task stays in the top by its peak.
void TestTaskMemory::topTasksByPeakStayUntilALargerOneComes() {
    Settings settings;
    TaskTable table(settings);
    for (std::uint64_t id = 1; id <= 9; ++id) {
        Record created = Record::taskCreated(id, Clock::now(), 0, 0, nullptr);
        created.setText(QStringLiteral("t%1").arg(id));
        table.onCreated(created);
    }
    const auto allocate = [&](std::uint64_t id, std::int64_t bytes, bool freed = false) {
        table.onAllocation(Record::allocation(id, Clock::now(), bytes, freed));
    };
    for (std::uint64_t id = 1; id <= 8; ++id)
        allocate(id, std::int64_t(id) * kMiB);
    allocate(9, kMiB / 2);
    const auto top = [&] {
        std::set<std::uint64_t> ids;
        for (const TopHeapTasks::Entry& e : table.topHeap().entries())
            ids.insert(e.taskId);
        return ids;
    };
    QCOMPARE(top(), (std::set<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
    QCOMPARE(table.topHeap().attributedBytes(), 36 * kMiB + kMiB / 2);

    TaskMemorySampler sampler;
    std::vector<TaskMemoryRow> rows;
    sampler.sample(table, 1'000'000'000, rows);
    QCOMPARE(rows.size(), std::size_t(9)); // the 8, then other tasks: task 9's half MiB
    QCOMPARE(rows.back().taskId, std::uint64_t(0));
    QCOMPARE(rows.back().liveBytes, kMiB / 2);

    // Task 1 gives its MiB back: it keeps its place (its peak), and only its series gets a row.
    allocate(1, kMiB, true);
    rows.clear();
    sampler.sample(table, 1'050'000'000, rows); // before the next sample is due
    QVERIFY(rows.empty());
    sampler.sample(table, 1'100'000'000, rows);
    QCOMPARE(rows.size(), std::size_t(1));
    QCOMPARE(rows[0].taskId, std::uint64_t(1));
    QCOMPARE(rows[0].liveBytes, std::int64_t(0));
    QVERIFY(top().count(1));

    // Task 9 passes the smallest peak (task 1's MiB): it takes task 1's place, whose series ends
    // (-1: NULL in the file) and whose bytes (none) would be in other tasks from now on.
    allocate(9, kMiB);
    QCOMPARE(top(), (std::set<std::uint64_t>{2, 3, 4, 5, 6, 7, 8, 9}));
    rows.clear();
    sampler.sample(table, 1'200'000'000, rows);
    QCOMPARE(rows.size(), std::size_t(3));
    QCOMPARE(rows[0].taskId, std::uint64_t(1));
    QCOMPARE(rows[0].liveBytes, std::int64_t(-1));
    QCOMPARE(rows[1].taskId, std::uint64_t(9));
    QCOMPARE(rows[1].liveBytes, kMiB + kMiB / 2);
    QCOMPARE(rows[2].taskId, std::uint64_t(0));
    QCOMPARE(rows[2].liveBytes, std::int64_t(0));
}

void TestTaskMemory::growingTaskRisesAmongTheTopTasks() {
    const TaskMemorySeries& s = m_data.taskMemory;
    QVERIFY(s.tNs.size() >= 5);
    QVERIFY(std::is_sorted(s.tNs.begin(), s.tNs.end()));
    // At most the top 8 tasks apart, and "other tasks" (the rest of the 14) last.
    QCOMPARE(s.layers.size(), TaskMemorySeries::kMaxTaskLayers + 1);
    QCOMPARE(s.layers.back().taskId, std::uint64_t(0));
    // The grower ends with ~35 MiB, more than any other task ever held: the largest peak, first.
    const TaskMemoryLayer* grower = layerNamed(s, QStringLiteral("grower"));
    QVERIFY(grower);
    QCOMPARE(s.layers.front().taskId, grower->taskId);
    QVERIFY2(grower->peakBytes >= 20 * kMiB, qPrintable(QString::number(grower->peakBytes)));
    // Rising over the run: each quarter holds more than the one before.
    const std::size_t from = firstHeld(*grower), n = s.tNs.size();
    QVERIFY(from < n / 4);
    std::int64_t previous = 0;
    for (const std::size_t at : {from, from + (n - from) / 4, from + (n - from) / 2, n - 1}) {
        QVERIFY2(grower->liveBytes[at] > previous,
                 qPrintable(QStringLiteral("%1 at %2").arg(grower->liveBytes[at]).arg(at)));
        previous = grower->liveBytes[at];
    }
    // The flat task stays within its churn of its 4 MiB from the first sample that saw it.
    const TaskMemoryLayer* flat = layerNamed(s, QStringLiteral("flat"));
    QVERIFY(flat);
    const auto [lo, hi] = std::minmax_element(flat->liveBytes.begin() + std::ptrdiff_t(firstHeld(*flat)) + 1,
                                              flat->liveBytes.end());
    QVERIFY2(*lo >= 4 * kMiB && *hi <= 5 * kMiB, qPrintable(QStringLiteral("%1..%2").arg(*lo).arg(*hi)));
    // The smallest holders are not apart: their layers are in "other tasks".
    QVERIFY(!layerNamed(s, QStringLiteral("holder-1")));
    QVERIFY(layerNamed(s, QStringLiteral("holder-12")));
    QVERIFY(s.layers.back().liveBytes.back() >= 64 * 1024);
}

void TestTaskMemory::layersAddUpToTheTasksHeap() {
    // The last sample is taken on the figures the run ends with: the stack's height is the heap of
    // every task, as the tasks table has it.
    std::int64_t tasks = 0;
    for (const TaskInfo& t : m_data.snapshot.tasks)
        tasks += t.liveBytes;
    std::int64_t stacked = 0;
    for (const TaskMemoryLayer& layer : m_data.taskMemory.layers)
        stacked += layer.liveBytes.back();
    QCOMPARE(stacked, tasks);
}

void TestTaskMemory::sessionWithoutTheTableStillReads() {
    // As recorded before the table existed.
    const QString old = m_dir.filePath(QStringLiteral("old.coroscope"));
    copySession(m_session, old);
    {
        Database db(old, Database::Mode::Create);
        db.exec("DROP TABLE task_memory");
    }
    const SessionData read = readSession(old);
    QVERIFY2(read.warnings.isEmpty(), qPrintable(read.warnings.join(u'\n')));
    QVERIFY(read.taskMemory.empty());
    QVERIFY(read.taskMemory.layers.empty());
    QCOMPARE(read.snapshot.tasks.size(), m_data.snapshot.tasks.size());
    QCOMPARE(read.timeSeries.size(), m_data.timeSeries.size());
    TaskMemoryChart chart;
    chart.setSeries(read.taskMemory, read.info.startNs);
    QVERIFY(chart.layers().empty());
    QCOMPARE(chart.chart()->title(), QStringLiteral("Heap by task: none recorded"));
}

void TestTaskMemory::damagedTableKeepsTheRowsBeforeTheDamage() {
    const QString edited = m_dir.filePath(QStringLiteral("edited.coroscope"));
    copySession(m_session, edited);
    std::int64_t damagedAt = 0;
    {
        Database db(edited, Database::Mode::Create);
        const std::int64_t rows = db.scalar("SELECT COUNT(*) FROM task_memory");
        QVERIFY(rows > 20);
        damagedAt = rows / 2;
        // A row no Coroscope writes: what follows it is lost, what precedes it is kept.
        db.exec(("UPDATE task_memory SET live_bytes = -5 WHERE rowid = (SELECT rowid FROM task_memory "
                 "ORDER BY rowid LIMIT 1 OFFSET " +
                 std::to_string(damagedAt) + ")")
                    .c_str());
    }
    const SessionData read = readSession(edited);
    QCOMPARE(
        read.warnings,
        QStringList{QStringLiteral("%1: table task_memory is damaged after %2 rows (a task's live heap is "
                                   "negative): the rest of it is lost")
                        .arg(edited)
                        .arg(damagedAt)});
    QVERIFY(!read.taskMemory.empty());
    QVERIFY(read.taskMemory.tNs.size() < m_data.taskMemory.tNs.size());
    // The times it kept are the whole session's first ones.
    QVERIFY(std::equal(read.taskMemory.tNs.begin(), read.taskMemory.tNs.end() - 1,
                       m_data.taskMemory.tNs.begin()));
    QCOMPARE(read.snapshot.tasks.size(), m_data.snapshot.tasks.size()); // the other tables are whole
}

void TestTaskMemory::chartStacksOneLayerPerTask() {
    TaskMemoryChart chart;
    QCOMPARE(chart.minimumHeight(), 180);
    chart.setSeries(m_data.taskMemory, m_data.info.startNs);
    const auto& layers = chart.layers();
    QCOMPARE(layers.size(), m_data.taskMemory.layers.size());
    std::set<QRgb> colours;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const TaskMemoryLayer& data = m_data.taskMemory.layers[i];
        QCOMPARE(layers[i].taskId, data.taskId);
        QCOMPARE(layers[i].label, data.taskId == 0
                                      ? QStringLiteral("other tasks")
                                      : QStringLiteral("%1 #%2").arg(data.name).arg(data.taskId));
        colours.insert(layers[i].color.rgb());
    }
    QCOMPARE(colours.size(), layers.size()); // one colour per layer
    // Stacked: each area's top is the sum of the layers up to it; the last one's is the total.
    const auto areas = chart.chart()->series();
    QCOMPARE(areas.size(), qsizetype(layers.size()));
    const auto* top = static_cast<QAreaSeries*>(areas.back())->upperSeries();
    std::int64_t total = 0;
    for (const TaskMemoryLayer& layer : m_data.taskMemory.layers)
        total += layer.liveBytes.back();
    QCOMPARE(top->points().size(), qsizetype(m_data.taskMemory.tNs.size()));
    QVERIFY(qFuzzyCompare(top->points().back().y(), double(total) / kMiB));
    QCOMPARE(static_cast<QAreaSeries*>(areas.front())->lowerSeries(), nullptr);
    QCOMPARE(static_cast<QAreaSeries*>(areas[1])->lowerSeries()->points(),
             static_cast<QAreaSeries*>(areas[0])->upperSeries()->points());
}

void TestTaskMemory::chartReusesSeriesAndKeepsColours() {
    TaskMemoryChart chart;
    chart.setSeries(synthetic(50, {{7, QStringLiteral("a")}, {9, QStringLiteral("b")}}), 0);
    const auto before = chart.chart()->series();
    const QColor b = chart.layers()[1].color;
    // The run goes on, the same layers: the same series get the new points.
    chart.setSeries(synthetic(80, {{7, QStringLiteral("a")}, {9, QStringLiteral("b")}}), 0);
    QCOMPARE(chart.chart()->series(), before);
    QCOMPARE(chart.pointsPerLayer(), 80);
    // Another task comes in below and one leaves: "b" keeps its colour, the newcomer gets another.
    chart.setSeries(synthetic(90, {{12, QStringLiteral("c")}, {9, QStringLiteral("b")}}), 0);
    QCOMPARE(chart.layers().size(), std::size_t(2));
    QCOMPARE(chart.layers()[1].label, QStringLiteral("b #9"));
    QCOMPARE(chart.layers()[1].color, b);
    QVERIFY(chart.layers()[0].color != b);
    // The areas are relabelled, not built anew (that was a live chart's longest redraw), and
    // drawn in their layer's name and colour.
    QCOMPARE(chart.chart()->series(), before);
    const auto drawnAsLayers = [&chart] {
        const auto areas = chart.chart()->series();
        if (std::size_t(areas.size()) != chart.layers().size())
            return false;
        for (qsizetype i = 0; i < areas.size(); ++i) {
            const auto* area = static_cast<QAreaSeries*>(areas[i]);
            if (area->name() != chart.layers()[std::size_t(i)].label ||
                area->color() != chart.layers()[std::size_t(i)].color ||
                (i == 0) != (area->lowerSeries() == nullptr) ||
                (i > 0 && area->lowerSeries()->points() !=
                              static_cast<QAreaSeries*>(areas[i - 1])->upperSeries()->points()))
                return false;
        }
        return true;
    };
    QVERIFY(drawnAsLayers());
    // A third task: one area added on top, the two below kept.
    chart.setSeries(synthetic(95, {{12, QStringLiteral("c")}, {9, QStringLiteral("b")}, {0, QString()}}), 0);
    QCOMPARE(chart.chart()->series().mid(0, 2), before);
    QVERIFY(drawnAsLayers());
    chart.setSeries(synthetic(99, {{9, QStringLiteral("b")}}), 0);
    QCOMPARE(chart.chart()->series().size(), 1);
    QVERIFY(drawnAsLayers());
    chart.clear();
    QVERIFY(chart.layers().empty());
    QVERIFY(chart.chart()->series().isEmpty());
}

void TestTaskMemory::chartThinsLongSeries() {
    TaskMemoryChart chart;
    TaskMemorySeries series =
        synthetic(20'000, {{1, QStringLiteral("a")}, {2, QStringLiteral("b")}, {0, QString()}});
    // A stack that dips a little at its very end (neither its last bucket's lowest nor its
    // highest): the last sample is drawn all the same, the chart ends where the run is.
    double last = 0;
    for (TaskMemoryLayer& layer : series.layers) {
        layer.liveBytes.back() = layer.liveBytes[layer.liveBytes.size() - 3];
        last += double(layer.liveBytes.back()) / kMiB;
    }
    chart.setSeries(series, 0);
    QVERIFY(chart.pointsPerLayer() <= TaskMemoryChart::kMaxPoints);
    QVERIFY(chart.pointsPerLayer() >= TaskMemoryChart::kMaxPoints / 2);
    const auto* top = static_cast<QAreaSeries*>(chart.chart()->series().back())->upperSeries();
    QVERIFY(qFuzzyCompare(top->points().back().x(), 19'999 * 0.1));
    QVERIFY(qFuzzyCompare(top->points().back().y(), last));
}

QTEST_MAIN(TestTaskMemory)
#include "test_taskmemory.moc"
