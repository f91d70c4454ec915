#include "charts/taskmemorychart.h"

#include "charts/chartstyle.h"
#include "charts/timechart.h"

#include <QAreaSeries>
#include <QChart>
#include <QLegend>
#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>
#include <set>

namespace coroscope::ui {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
/// seriesColor()'s fallback list has ten colours; its ninth, a blue grey, is kept for "other
/// tasks" so that no task looks like the rest of the heap.
constexpr int kOtherColorIndex = 8;
constexpr int kColors = 10;

/// The sample indices to draw: all of them up to kMaxPoints, else per bucket of time the one where
/// the stack is lowest and the one where it is highest, in time order (a spike stays visible),
/// and the last sample (the stack ends where the run is now).
std::vector<std::size_t> thinnedIndices(const session::TaskMemorySeries& series) {
    const std::size_t n = series.tNs.size();
    std::vector<std::size_t> out;
    if (n <= std::size_t(TaskMemoryChart::kMaxPoints)) {
        out.resize(n);
        for (std::size_t i = 0; i < n; ++i)
            out[i] = i;
        return out;
    }
    std::vector<std::int64_t> total(n, 0);
    for (const session::TaskMemoryLayer& layer : series.layers)
        for (std::size_t i = 0; i < n; ++i)
            total[i] += layer.liveBytes[i];
    const std::size_t buckets = std::size_t(TaskMemoryChart::kMaxPoints - 1) / 2;
    for (std::size_t b = 0; b < buckets; ++b) {
        const std::size_t from = b * n / buckets, to = (b + 1) * n / buckets;
        if (from >= to)
            continue;
        std::size_t lo = from, hi = from;
        for (std::size_t i = from; i < to; ++i) {
            if (total[i] < total[lo])
                lo = i;
            if (total[i] > total[hi])
                hi = i;
        }
        out.push_back(std::min(lo, hi));
        if (lo != hi)
            out.push_back(std::max(lo, hi));
    }
    if (out.back() != n - 1)
        out.push_back(n - 1);
    return out;
}

} // namespace

TaskMemoryChart::TaskMemoryChart(QWidget* parent)
    : QChartView(parent) {
    auto* chart = new QChart;
    followPalette(chart);
    chart->setTitle(tr("Heap by task"));
    chart->legend()->setAlignment(Qt::AlignRight);
    chart->setMargins(QMargins(4, 4, 4, 4));
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(kMinimumHeight);
    rebuild();
}

QColor TaskMemoryChart::colorFor(std::uint64_t taskId) {
    if (taskId == 0)
        return seriesColor(tr("other tasks"), kOtherColorIndex);
    auto it = m_colorIndex.find(taskId);
    if (it == m_colorIndex.end()) {
        // The first colour no task shown now has (m_colorIndex holds only those): a task keeps
        // its colour as others come and go.
        std::set<int> taken;
        for (const auto& [id, index] : m_colorIndex)
            taken.insert(index);
        int index = 0;
        while (index < kColors && (index == kOtherColorIndex || taken.count(index)))
            ++index;
        it = m_colorIndex.emplace(taskId, index % kColors).first;
    }
    // An unknown name: seriesColor() gives the fallback colour of that index.
    return seriesColor(QString(), it->second);
}

void TaskMemoryChart::clear() {
    m_colorIndex.clear();
    setSeries({}, 0);
}

void TaskMemoryChart::setSeries(const session::TaskMemorySeries& series, std::int64_t startNs) {
    // Layers bottom first: the largest peak at the bottom, other tasks on top (as the reader
    // orders them).
    std::vector<Layer> layers;
    const std::size_t times = series.tNs.size();
    for (const session::TaskMemoryLayer& l : series.layers) {
        if (l.liveBytes.size() != times)
            continue; // not a series the reader made
        const QString name = l.name.isEmpty() ? tr("task") : l.name.left(60);
        layers.push_back(
            {l.taskId,
             l.taskId == 0 ? tr("other tasks") : QStringLiteral("%1 #%2").arg(name).arg(l.taskId),
             {}});
    }
    const bool sameShape =
        layers.size() == m_layers.size() &&
        std::equal(layers.begin(), layers.end(), m_layers.begin(),
                   [](const Layer& a, const Layer& b) { return a.taskId == b.taskId && a.label == b.label; });
    if (!sameShape) {
        // Colours of tasks no longer shown are let go; those still shown keep theirs.
        std::map<std::uint64_t, int> kept;
        for (const Layer& layer : layers)
            if (const auto held = m_colorIndex.find(layer.taskId); held != m_colorIndex.end())
                kept.insert(*held);
        m_colorIndex = std::move(kept);
        m_layers.clear();
        for (Layer& layer : layers) {
            layer.color = colorFor(layer.taskId);
            m_layers.push_back(layer);
        }
        rebuild();
    }

    const std::vector<std::size_t> shown = thinnedIndices(series);
    std::vector<double> stack(shown.size(), 0.0);
    double yMax = 0, xMax = 0;
    std::size_t at = 0;
    QList<QPointF> below;
    for (const session::TaskMemoryLayer& l : series.layers) {
        if (l.liveBytes.size() != times)
            continue;
        QList<QPointF> points;
        points.reserve(qsizetype(shown.size()));
        for (std::size_t k = 0; k < shown.size(); ++k) {
            const std::size_t i = shown[k];
            stack[k] += double(std::max<std::int64_t>(0, l.liveBytes[i])) / kMiB;
            const double t = std::max(0.0, double(series.tNs[i] - startNs) / 1e9);
            points.append(QPointF(t, stack[k]));
            xMax = std::max(xMax, t);
            yMax = std::max(yMax, stack[k]);
        }
        if (QLineSeries* lower = m_areas[at]->lowerSeries())
            lower->replace(below);
        m_areas[at++]->upperSeries()->replace(points);
        below = std::move(points);
    }
    m_pointsPerLayer = int(shown.size());
    chart()->setTitle(m_layers.empty() && times == 0 ? tr("Heap by task: none recorded")
                                                     : tr("Heap by task"));
    setNiceTicks(m_x, 0, std::max(1.0, xMax), 6, QStringLiteral("s"));
    setNiceTicks(m_y, 0, yMax > 0 ? yMax * 1.05 : 1.0, 4, QString());
}

void TaskMemoryChart::rebuild() {
    // Areas are kept and relabelled, and only those over or under the new count are added or
    // taken away from the top: building them all anew, axes too, whenever the top tasks changed
    // was a chart's longest redraw while a run went on (bench/gui).
    QChart* c = chart();
    if (!m_x) {
        m_x = new QValueAxis;
        m_y = new QValueAxis;
        m_y->setTitleText(tr("MiB"));
        c->addAxis(m_x, Qt::AlignBottom);
        c->addAxis(m_y, Qt::AlignLeft);
    }
    // Each area has its own lower edge, a copy of the top of the one below, rather than sharing
    // that series: a removed area's chart item lives until the next loop turn, connected to its
    // edges, and one shared with a kept area would call it back from the next replace().
    while (m_areas.size() > m_layers.size()) {
        QAreaSeries* top = m_areas.back();
        m_areas.pop_back();
        c->removeSeries(top); // hands it back to us
        delete top;           // with its edges, its children
    }
    while (m_areas.size() < m_layers.size()) {
        auto* area = new QAreaSeries(new QLineSeries, m_areas.empty() ? nullptr : new QLineSeries);
        // An area series does not own its lines (LeakSanitizer): they go with it.
        area->upperSeries()->setParent(area);
        if (area->lowerSeries())
            area->lowerSeries()->setParent(area);
        c->addSeries(area);
        area->attachAxis(m_x);
        area->attachAxis(m_y);
        m_areas.push_back(area);
    }
    for (std::size_t i = 0; i < m_layers.size(); ++i) {
        const Layer& layer = m_layers[i];
        QAreaSeries* area = m_areas[i];
        if (area->name() != layer.label)
            area->setName(layer.label);
        if (area->color() != layer.color) {
            area->setColor(layer.color);
            QPen border(layer.color.darker(130));
            border.setWidthF(1.0);
            area->setPen(border);
        }
    }
}

} // namespace coroscope::ui
