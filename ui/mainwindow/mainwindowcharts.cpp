// MainWindow's views with charts: the latency metrics with the selected one's percentiles over
// time (Latency view), RSS and heap, the heap of the top tasks over time and the tasks that hold
// the most heap (Memory view), and the charts of every view drawn from one session.
#include "charts/eventcharts.h"
#include "charts/taskmemorychart.h"
#include "charts/timechart.h"
#include "mainwindow/mainwindow.h"
#include "models/latencymodel.h"
#include "models/tasktablemodel.h"
#include "panels/sortedtable.h"

#include <QHeaderView>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>

#include <cmath>

namespace coroscope::ui {
namespace {

double seconds(std::int64_t tNs, const session::SessionData& data) {
    return std::max(0.0, double(tNs - data.info.startNs) / 1e9);
}

double msOrGap(std::int64_t ns) {
    return ns < 0 ? std::nan("") : double(ns) / 1e6;
}

/// Where the loop was blocked, shaded on every chart over time (the HTML report shades them too).
std::vector<std::pair<double, double>> blockedSpans(const session::SessionData& data) {
    std::vector<std::pair<double, double>> blocked;
    blocked.reserve(data.snapshot.slowCallbacks.size());
    for (const SlowCallback& c : data.snapshot.slowCallbacks)
        blocked.emplace_back(seconds(c.startNs, data), seconds(c.startNs + c.durationNs, data));
    return blocked;
}

} // namespace

QTableView* MainWindow::sortedTable(QAbstractItemModel* model, int sortRole) {
    QTableView* view = sortedTableView(model, sortRole, this);
    view->horizontalHeader()->setStretchLastSection(true);
    return view;
}

QWidget* MainWindow::buildLatencyView() {
    m_latency = new LatencyModel(this);
    m_latencyView = sortedTable(m_latency, LatencyModel::SortRole);
    m_metricChart = new TimeChart(tr("Percentiles over time"), tr("ms"), this);
    connect(m_latencyView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this] { showMetricChart(); });
    m_histogramChart = new LatencyHistogramChart(this);
    auto* charts = new QSplitter(Qt::Horizontal, this);
    charts->setObjectName(QStringLiteral("LatencyChartsSplit"));
    charts->addWidget(m_metricChart);
    charts->addWidget(m_histogramChart);
    charts->setSizes({700, 500});
    auto* split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("LatencySplit"));
    split->addWidget(m_latencyView);
    split->addWidget(charts);
    split->setSizes({220, 480});
    return split;
}

QWidget* MainWindow::buildMemoryView() {
    m_memoryChart = new TimeChart(tr("Memory"), tr("MiB"), this);
    // Which tasks the heap is: the top tasks' live heap stacked over time (the session's
    // task_memory), between the process's totals and the table of the tasks holding it now.
    m_taskMemoryChart = new TaskMemoryChart(this);
    // The tasks holding the most heap: a second view of the session's tasks, sorted by live
    // heap by the database (sortable by any of its columns), its own selection.
    m_heapTasks = new TaskTableModel(*m_taskStore, this);
    m_heapView = makeTaskTable(m_heapTasks);
    for (int c = 0; c < TaskTableModel::ColumnCount; ++c)
        m_heapView->setColumnHidden(c, c != TaskTableModel::Id && c != TaskTableModel::Name &&
                                           c != TaskTableModel::State && c != TaskTableModel::LiveHeap &&
                                           c != TaskTableModel::AllocatedHeap &&
                                           c != TaskTableModel::SpawnedAt);
    m_heapView->sortByColumn(TaskTableModel::LiveHeap, Qt::DescendingOrder);
    // The name takes the room; the byte columns stay as wide as their figures.
    m_heapView->horizontalHeader()->setStretchLastSection(false);
    m_heapView->horizontalHeader()->setSectionResizeMode(TaskTableModel::Name, QHeaderView::Stretch);
    m_heapView->horizontalHeader()->setSectionResizeMode(TaskTableModel::SpawnedAt, QHeaderView::Stretch);
    connect(m_heapView, &QTableView::activated, this, [this](const QModelIndex& index) {
        selectTask(index.data(TaskTableModel::TaskIdRole).toULongLong());
    });
    auto* split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("MemorySplit"));
    split->addWidget(m_memoryChart);
    split->addWidget(m_taskMemoryChart);
    split->addWidget(m_heapView);
    split->setSizes({260, 260, 220});
    return split;
}

bool MainWindow::chartsOnScreen(View view) const {
    if (m_pages->currentIndex() != 1 || currentView() != view)
        return false;
    switch (view) {
    case View::Tasks:
        return m_taskTabs->currentWidget() == m_stateChart;
    case View::EventLoop:
    case View::Latency:
    case View::Memory:
        return true;
    case View::Summary:
    case View::Script:
        break;
    }
    return false;
}

void MainWindow::showCharts(View view) {
    const session::SessionData& data = *m_data;
    switch (view) {
    case View::Tasks: {
        std::vector<std::pair<double, std::array<double, 7>>> states;
        states.reserve(data.timeSeries.size());
        for (const session::TimePoint& p : data.timeSeries) {
            std::array<double, 7> counts{};
            for (std::size_t s = 0; s < counts.size(); ++s)
                counts[s] = double(p.tasksByState[s]);
            states.emplace_back(seconds(p.tNs, data), counts);
        }
        m_stateChart->setSamples(states);
        return;
    }
    case View::EventLoop: {
        std::vector<TimeChart::Line> lag{{tr("p50"), {}}, {tr("p99"), {}}, {tr("max"), {}}};
        for (const session::TimePoint& p : data.timeSeries) {
            const double t = seconds(p.tNs, data);
            lag[0].points.emplace_back(t, msOrGap(p.lagP50Ns));
            lag[1].points.emplace_back(t, msOrGap(p.lagP99Ns));
            lag[2].points.emplace_back(t, msOrGap(p.lagMaxNs));
        }
        m_lagChart->setLines(lag);
        m_lagChart->setShadedSpans(blockedSpans(data));
        std::vector<QPointF> slow;
        for (const SlowCallback& c : data.snapshot.slowCallbacks)
            slow.emplace_back(seconds(c.startNs, data), double(c.durationNs) / 1e6);
        const double runSeconds = data.timeSeries.empty() ? 1.0 : seconds(data.timeSeries.back().tNs, data);
        m_slowScatter->setPoints(slow, double(data.info.slowThresholdNs) / 1e6, runSeconds);
        return;
    }
    case View::Latency:
        m_metricChart->setShadedSpans(blockedSpans(data));
        m_latency->setSession(m_data);
        if (!m_latencyView->currentIndex().isValid() && m_latency->rowCount() > 0)
            m_latencyView->setCurrentIndex(m_latencyView->model()->index(0, 0));
        showMetricChart();
        return;
    case View::Memory: {
        m_memoryChart->setShadedSpans(blockedSpans(data));
        std::vector<TimeChart::Line> memory{{tr("RSS"), {}}, {tr("heap"), {}}};
        for (const MemorySample& m : data.snapshot.memory) {
            const double t = seconds(m.tNanos, data);
            memory[0].points.emplace_back(t, m.rssBytes < 0 ? std::nan("") : double(m.rssBytes) / (1 << 20));
            memory[1].points.emplace_back(t,
                                          m.heapBytes < 0 ? std::nan("") : double(m.heapBytes) / (1 << 20));
        }
        m_memoryChart->setLines(memory);
        m_taskMemoryChart->setSeries(data.taskMemory, data.info.startNs);
        return;
    }
    case View::Summary:
    case View::Script:
        return;
    }
}

void MainWindow::showMetricChart() {
    if (!m_data)
        return;
    const QString metric = m_latencyView->currentIndex().data(LatencyModel::MetricRole).toString();
    std::vector<TimeChart::Line> lines{{tr("p50"), {}}, {tr("p90"), {}}, {tr("p99"), {}}, {tr("max"), {}}};
    if (metric.isEmpty()) { // the loop lag row
        for (const session::TimePoint& p : m_data->timeSeries) {
            const double t = seconds(p.tNs, *m_data);
            lines[0].points.emplace_back(t, msOrGap(p.lagP50Ns));
            lines[1].points.emplace_back(t, msOrGap(p.lagP90Ns));
            lines[2].points.emplace_back(t, msOrGap(p.lagP99Ns));
            lines[3].points.emplace_back(t, msOrGap(p.lagMaxNs));
        }
    } else {
        for (const session::MetricSeries& series : m_data->metricSeries)
            if (series.name == metric)
                for (const session::MetricPoint& p : series.points) {
                    const double t = seconds(p.tNs, *m_data);
                    lines[0].points.emplace_back(t, msOrGap(p.p50Ns));
                    lines[1].points.emplace_back(t, msOrGap(p.p90Ns));
                    lines[2].points.emplace_back(t, msOrGap(p.p99Ns));
                    lines[3].points.emplace_back(t, msOrGap(p.maxNs));
                }
    }
    m_metricChart->chart()->setTitle(metric.isEmpty() ? tr("Loop lag over time")
                                                      : tr("%1 over time").arg(metric.left(80)));
    m_metricChart->setLines(lines);
    const QModelIndex current = m_latencyView->currentIndex();
    const int row = static_cast<QSortFilterProxyModel*>(m_latencyView->model())->mapToSource(current).row();
    const auto& latency = m_data->snapshot.latency;
    const Histogram& histogram = row >= 0 && row < int(latency.size()) ? latency[std::size_t(row)].micros
                                                                       : m_data->snapshot.loopLagMicros;
    m_histogramChart->setHistogram(metric.isEmpty() ? tr("Loop lag distribution")
                                                    : tr("%1 distribution").arg(metric.left(80)),
                                   histogram);
}

} // namespace coroscope::ui
