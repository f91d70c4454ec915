#include "charts/eventcharts.h"

#include "charts/chartstyle.h"
#include "charts/timechart.h"
#include "model/taskstate.h"

#include <QAreaSeries>
#include <QChart>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace coroscope::ui {
namespace {

void clearChart(QChart* chart) {
    chart->removeAllSeries();
    for (QAbstractAxis* axis : chart->axes()) {
        chart->removeAxis(axis);
        delete axis;
    }
}

QChart* newChart(const QString& title) {
    auto* chart = new QChart;
    followPalette(chart);
    chart->setTitle(title);
    chart->legend()->setAlignment(Qt::AlignRight);
    chart->setMargins(QMargins(4, 4, 4, 4));
    return chart;
}

QColor stateColor(TaskState state) {
    switch (state) {
    case TaskState::Running:
        return QColor(0x2e, 0xa0, 0x43);
    case TaskState::Scheduled:
        return QColor(0xf5, 0x8f, 0x00);
    case TaskState::Created:
        return QColor(0xb0, 0xbe, 0xc5);
    case TaskState::Suspended:
        return QColor(0x21, 0x96, 0xf3);
    case TaskState::Failed:
        return QColor(0xd3, 0x2f, 0x2f);
    case TaskState::Cancelled:
        return QColor(0x79, 0x55, 0x48);
    case TaskState::Completed:
        break;
    }
    return QColor(0x9e, 0x9e, 0x9e);
}

} // namespace

SlowCallbackScatter::SlowCallbackScatter(QWidget* parent)
    : QChartView(parent) {
    setChart(newChart(tr("Slow callbacks")));
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(TimeChart::kMinimumHeight);
    build();
}

void SlowCallbackScatter::build() {
    QChart* c = chart();
    m_x = new QValueAxis;
    // Durations span orders of magnitude (a 120 ms hiccup, a 30 s hang): a log scale.
    m_y = new QLogValueAxis;
    m_y->setTitleText(tr("ms"));
    m_y->setBase(10);
    m_y->setLabelFormat(QStringLiteral("%.0f"));
    c->addAxis(m_x, Qt::AlignBottom);
    c->addAxis(m_y, Qt::AlignLeft);
    m_y->setRange(1, 1000); // a log axis never holds zero, not even before the first view
    m_scatter = new QScatterSeries;
    m_scatter->setName(tr("slow callback"));
    m_scatter->setMarkerSize(9);
    m_scatter->setColor(seriesColor(QStringLiteral("p99")));
    m_threshold = new QLineSeries;
    QPen dashed(QColor(0xcf, 0x22, 0x2e));
    dashed.setStyle(Qt::DashLine);
    m_threshold->setPen(dashed);
    for (QAbstractSeries* s :
         {static_cast<QAbstractSeries*>(m_threshold), static_cast<QAbstractSeries*>(m_scatter)}) {
        c->addSeries(s);
        s->attachAxis(m_x);
        s->attachAxis(m_y);
    }
    connect(m_scatter, &QScatterSeries::clicked, this, [this](const QPointF& clicked) {
        // The nearest point: the series hands back the position, not the index.
        int best = -1;
        double bestDistance = 0;
        for (int i = 0; i < int(m_points.size()); ++i) {
            const double d = std::hypot(m_points[std::size_t(i)].x() - clicked.x(),
                                        std::log10(m_points[std::size_t(i)].y()) - std::log10(clicked.y()));
            if (best < 0 || d < bestDistance) {
                best = i;
                bestDistance = d;
            }
        }
        if (best >= 0)
            Q_EMIT pointClicked(best);
    });
}

void SlowCallbackScatter::setPoints(const std::vector<QPointF>& points, double thresholdMs,
                                    double runSeconds) {
    m_points = points;
    // A log axis has no zero: an empty view (no threshold yet) still gets a positive range.
    thresholdMs = thresholdMs > 0 ? thresholdMs : 100;
    double yMax = thresholdMs * 2;
    double xMax = std::max(1.0, runSeconds);
    QList<QPointF> shown;
    shown.reserve(qsizetype(points.size()));
    for (const QPointF& p : points) {
        shown.append(QPointF(p.x(), std::max(p.y(), 1e-3)));
        yMax = std::max(yMax, p.y() * 2);
        xMax = std::max(xMax, p.x());
    }
    m_scatter->replace(shown);
    const QString name = tr("threshold %1 ms").arg(thresholdMs);
    if (m_threshold->name() != name)
        m_threshold->setName(name);
    m_threshold->replace(QList<QPointF>{{0, thresholdMs}, {xMax, thresholdMs}});
    setNiceTicks(m_x, 0, xMax, 6, QStringLiteral("s"));
    const double yMin = std::max(0.1, thresholdMs / 2);
    if (m_y->min() != yMin || m_y->max() != yMax)
        m_y->setRange(yMin, yMax);
}

TaskStateChart::TaskStateChart(QWidget* parent)
    : QChartView(parent) {
    setChart(newChart(tr("Tasks by state")));
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(TimeChart::kMinimumHeight);
    m_x = new QValueAxis;
    m_y = new QValueAxis;
    chart()->addAxis(m_x, Qt::AlignBottom);
    chart()->addAxis(m_y, Qt::AlignLeft);
}

void TaskStateChart::setSamples(const std::vector<std::pair<double, std::array<double, 7>>>& all) {
    // Evenly thinned: a stacked area needs the same x for every layer.
    std::vector<std::pair<double, std::array<double, 7>>> samples;
    const std::size_t step = std::max<std::size_t>(1, all.size() / kMaxPoints);
    for (std::size_t i = 0; i < all.size(); i += step)
        samples.push_back(all[i]);
    if (!all.empty() && (all.size() - 1) % step != 0)
        samples.push_back(all.back());
    // Unfinished states at the bottom, where a growing backlog shows; finished ones stacked above.
    constexpr TaskState kOrder[] = {TaskState::Running,   TaskState::Scheduled, TaskState::Created,
                                    TaskState::Suspended, TaskState::Failed,    TaskState::Cancelled,
                                    TaskState::Completed};
    std::vector<int> shape;
    std::vector<QList<QPointF>> tops;
    std::vector<double> base(samples.size(), 0.0);
    double xMax = 1, yMax = 1;
    for (const TaskState state : kOrder) {
        bool any = false;
        QList<QPointF> top;
        top.reserve(qsizetype(samples.size()));
        for (std::size_t i = 0; i < samples.size(); ++i) {
            const double count = samples[i].second[std::size_t(state)];
            any |= count > 0;
            base[i] += count;
            top.append(QPointF(samples[i].first, base[i]));
            xMax = std::max(xMax, samples[i].first);
            yMax = std::max(yMax, base[i]);
        }
        if (!any)
            continue;
        shape.push_back(int(state));
        tops.push_back(std::move(top));
    }
    QChart* c = chart();
    if (shape != m_shape) {
        // Another set of layers: new area series (a layer's bottom is the one below's top).
        c->removeAllSeries();
        m_areas.clear();
        for (const int state : shape) {
            auto* area = new QAreaSeries(new QLineSeries, new QLineSeries);
            // An area series does not own its lines (LeakSanitizer): they go with it.
            area->upperSeries()->setParent(area);
            area->lowerSeries()->setParent(area);
            area->setName(QString::fromLatin1(taskStateName(TaskState(state)).data()));
            // Each state in its own colour in every run (the theme's would follow the layer count).
            area->setColor(stateColor(TaskState(state)));
            area->setBorderColor(stateColor(TaskState(state)).darker(130));
            c->addSeries(area);
            area->attachAxis(m_x);
            area->attachAxis(m_y);
            m_areas.push_back(area);
        }
        m_shape = shape;
    }
    QList<QPointF> floor;
    for (const auto& sample : samples)
        floor.append(QPointF(sample.first, 0));
    for (std::size_t layer = 0; layer < m_areas.size(); ++layer) {
        m_areas[layer]->lowerSeries()->replace(layer == 0 ? floor : tops[layer - 1]);
        m_areas[layer]->upperSeries()->replace(tops[layer]);
    }
    m_layers = int(m_areas.size());
    setNiceTicks(m_x, 0, xMax, 6, QStringLiteral("s"));
    // Counts of tasks are whole numbers: never a tick between two.
    const int ticks = int(std::min(4.0, std::ceil(yMax)));
    setNiceTicks(m_y, 0, std::max(1.0, yMax * 1.05), std::max(1, ticks), QString());
    if (m_y->tickInterval() < 1)
        setNiceTicks(m_y, 0, std::max(1.0, std::ceil(yMax)), int(std::max(1.0, std::ceil(yMax))), QString());
}

} // namespace coroscope::ui

#include "model/format.h"
#include "model/histogram.h"

namespace coroscope::ui {

LatencyHistogramChart::LatencyHistogramChart(QWidget* parent)
    : QChartView(parent) {
    setChart(newChart(tr("Distribution")));
    chart()->legend()->hide();
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(TimeChart::kMinimumHeight);
}

void LatencyHistogramChart::setHistogram(const QString& title, const Histogram& micros) {
    QChart* c = chart();
    if (c->title() != title)
        c->setTitle(title);
    m_counted = 0;
    if (micros.count() == 0) {
        clearChart(c);
        m_bars = nullptr;
        return;
    }
    // One area series and two axes, made once and given new points after: building them anew on
    // every read of a live run relaid the chart out each time (bench/gui).
    if (!m_bars) {
        m_bars = new QAreaSeries(new QLineSeries, new QLineSeries);
        m_bars->upperSeries()->setParent(m_bars);
        m_bars->lowerSeries()->setParent(m_bars);
        m_bars->setColor(seriesColor(QStringLiteral("p50")));
        m_bars->setBorderColor(seriesColor(QStringLiteral("p50")).darker(130));
        c->addSeries(m_bars);
        m_x = new QLogValueAxis;
        m_x->setBase(10);
        m_x->setLabelFormat(QStringLiteral("%g"));
        m_x->setTitleText(tr("ms (log scale)"));
        m_y = new QValueAxis;
        m_y->setTitleText(tr("count"));
        c->addAxis(m_x, Qt::AlignBottom);
        c->addAxis(m_y, Qt::AlignLeft);
        m_bars->attachAxis(m_x);
        m_bars->attachAxis(m_y);
    }
    // Log-spaced bins over [min, max], drawn as bars on a log axis of milliseconds: its labels
    // are whole decades ("0.1 ms", "1 ms", "10 ms"), which fit, where a label per bin was cut.
    const double lo = std::max(1.0, double(micros.min()));
    const double hi = std::max(lo * 1.0001, double(micros.max()) + 1);
    const double ratio = std::pow(hi / lo, 1.0 / kBins);
    std::array<double, kBins> counts{};
    for (const Histogram::Bucket& b : micros.nonZeroBuckets()) {
        const double v = std::max(lo, double(Histogram::bucketRepresentativeValue(b.index)));
        const int bin = std::clamp(int(std::log(v / lo) / std::log(ratio)), 0, kBins - 1);
        counts[std::size_t(bin)] += double(b.count);
    }
    QList<QPointF> upper, lower;
    upper.reserve(4 * kBins);
    lower.reserve(2 * kBins);
    double yMax = 1;
    for (int i = 0; i < kBins; ++i) {
        const double count = counts[std::size_t(i)];
        m_counted += count;
        yMax = std::max(yMax, count);
        // A bar: up at the bin's left edge, across, down at its right (a hair inside, so bars
        // stay apart).
        const double left = lo * std::pow(ratio, i) / 1000.0;
        const double right = lo * std::pow(ratio, i + 0.94) / 1000.0;
        upper << QPointF(left, 0) << QPointF(left, count) << QPointF(right, count) << QPointF(right, 0);
        lower << QPointF(left, 0) << QPointF(right, 0);
    }
    m_bars->upperSeries()->replace(upper);
    m_bars->lowerSeries()->replace(lower);
    // Whole decades around the data, so the axis has labelled ticks.
    const double xMin = std::pow(10.0, std::floor(std::log10(lo / 1000.0)));
    const double xMax = std::pow(10.0, std::ceil(std::log10(hi / 1000.0)));
    if (m_x->min() != xMin || m_x->max() != xMax)
        m_x->setRange(xMin, xMax);
    setNiceTicks(m_y, 0, yMax * 1.1, 4, QString());
    if (m_y->tickInterval() < 1)
        setNiceTicks(m_y, 0, std::ceil(yMax), int(std::ceil(yMax)), QString());
}

} // namespace coroscope::ui
