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
}

void SlowCallbackScatter::setPoints(const std::vector<QPointF>& points, double thresholdMs,
                                    double runSeconds) {
    m_points = points;
    QChart* c = chart();
    clearChart(c);
    auto* x = new QValueAxis;
    // Durations span orders of magnitude (a 120 ms hiccup, a 30 s hang): a log scale.
    auto* y = new QLogValueAxis;
    y->setTitleText(tr("ms"));
    y->setBase(10);
    y->setLabelFormat(QStringLiteral("%.0f"));
    c->addAxis(x, Qt::AlignBottom);
    c->addAxis(y, Qt::AlignLeft);
    // A log axis has no zero: an empty view (no threshold yet) still gets a positive range.
    thresholdMs = thresholdMs > 0 ? thresholdMs : 100;
    double yMax = thresholdMs * 2;
    double xMax = std::max(1.0, runSeconds);
    auto* scatter = new QScatterSeries;
    scatter->setName(tr("slow callback"));
    scatter->setMarkerSize(9);
    for (const QPointF& p : points) {
        scatter->append(p);
        yMax = std::max(yMax, p.y() * 2);
        xMax = std::max(xMax, p.x());
    }
    auto* threshold = new QLineSeries;
    threshold->setName(tr("threshold %1 ms").arg(thresholdMs));
    threshold->append(0, thresholdMs);
    threshold->append(xMax, thresholdMs);
    QPen dashed(QColor(0xcf, 0x22, 0x2e));
    dashed.setStyle(Qt::DashLine);
    threshold->setPen(dashed);
    for (QAbstractSeries* s :
         {static_cast<QAbstractSeries*>(threshold), static_cast<QAbstractSeries*>(scatter)}) {
        c->addSeries(s);
        s->attachAxis(x);
        s->attachAxis(y);
    }
    setNiceTicks(x, 0, xMax, 6, QStringLiteral("s"), false);
    y->setRange(std::max(0.1, thresholdMs / 2), yMax);
    connect(scatter, &QScatterSeries::clicked, this, [this](const QPointF& clicked) {
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

TaskStateChart::TaskStateChart(QWidget* parent)
    : QChartView(parent) {
    setChart(newChart(tr("Tasks by state")));
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(TimeChart::kMinimumHeight);
}

void TaskStateChart::setSamples(const std::vector<std::pair<double, std::array<double, 7>>>& all) {
    // Evenly thinned: a stacked area needs the same x for every layer.
    std::vector<std::pair<double, std::array<double, 7>>> samples;
    const std::size_t step = std::max<std::size_t>(1, all.size() / kMaxPoints);
    for (std::size_t i = 0; i < all.size(); i += step)
        samples.push_back(all[i]);
    if (!all.empty() && (all.size() - 1) % step != 0)
        samples.push_back(all.back());
    QChart* c = chart();
    clearChart(c);
    auto* x = new QValueAxis;
    auto* y = new QValueAxis;
    c->addAxis(x, Qt::AlignBottom);
    c->addAxis(y, Qt::AlignLeft);
    // Unfinished states at the bottom, where a growing backlog shows; finished ones stacked above.
    constexpr TaskState kOrder[] = {TaskState::Running,   TaskState::Scheduled, TaskState::Created,
                                    TaskState::Suspended, TaskState::Failed,    TaskState::Cancelled,
                                    TaskState::Completed};
    std::vector<double> base(samples.size(), 0.0);
    double xMax = 1, yMax = 1;
    m_layers = 0;
    QLineSeries* lower = nullptr;
    for (const TaskState state : kOrder) {
        bool any = false;
        auto* upper = new QLineSeries;
        for (std::size_t i = 0; i < samples.size(); ++i) {
            const double count = samples[i].second[std::size_t(state)];
            any |= count > 0;
            base[i] += count;
            upper->append(samples[i].first, base[i]);
            xMax = std::max(xMax, samples[i].first);
            yMax = std::max(yMax, base[i]);
        }
        if (!any) {
            delete upper;
            continue;
        }
        QLineSeries* bottom = lower;
        if (!bottom) {
            bottom = new QLineSeries;
            for (const auto& s : samples)
                bottom->append(s.first, 0);
        } else {
            // The previous layer's top is this one's bottom: a copy, an area series owns both lines.
            auto* copy = new QLineSeries;
            copy->append(lower->points());
            bottom = copy;
        }
        auto* area = new QAreaSeries(upper, bottom);
        // An area series does not own its lines (LeakSanitizer): they go with it.
        upper->setParent(area);
        bottom->setParent(area);
        area->setName(QString::fromLatin1(taskStateName(state).data()));
        // Each state in its own colour in every run (the theme's would follow the layer count).
        area->setColor(stateColor(state));
        area->setBorderColor(stateColor(state).darker(130));
        c->addSeries(area);
        area->attachAxis(x);
        area->attachAxis(y);
        lower = upper;
        ++m_layers;
    }
    setNiceTicks(x, 0, xMax, 6, QStringLiteral("s"), false);
    setNiceTicks(y, 0, yMax * 1.05, 4, QString());
    // Counts of tasks are whole numbers.
    if (y->tickInterval() < 1)
        setNiceTicks(y, 0, std::max(1.0, std::ceil(yMax)), int(std::max(1.0, std::ceil(yMax))), QString());
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
    clearChart(c);
    c->setTitle(title);
    m_counted = 0;
    if (micros.count() == 0)
        return;
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
    auto* upper = new QLineSeries;
    auto* lower = new QLineSeries;
    double yMax = 1;
    for (int i = 0; i < kBins; ++i) {
        const double count = counts[std::size_t(i)];
        m_counted += count;
        yMax = std::max(yMax, count);
        // A bar: up at the bin's left edge, across, down at its right (a hair inside, so bars
        // stay apart).
        const double left = lo * std::pow(ratio, i) / 1000.0;
        const double right = lo * std::pow(ratio, i + 0.94) / 1000.0;
        upper->append(left, 0);
        upper->append(left, count);
        upper->append(right, count);
        upper->append(right, 0);
        lower->append(left, 0);
        lower->append(right, 0);
    }
    auto* bars = new QAreaSeries(upper, lower);
    upper->setParent(bars);
    lower->setParent(bars);
    bars->setColor(seriesColor(QStringLiteral("p50")));
    bars->setBorderColor(seriesColor(QStringLiteral("p50")).darker(130));
    c->addSeries(bars);
    auto* x = new QLogValueAxis;
    x->setBase(10);
    x->setLabelFormat(QStringLiteral("%g"));
    x->setTitleText(tr("ms (log scale)"));
    auto* y = new QValueAxis;
    y->setTitleText(tr("count"));
    c->addAxis(x, Qt::AlignBottom);
    c->addAxis(y, Qt::AlignLeft);
    bars->attachAxis(x);
    bars->attachAxis(y);
    // Whole decades around the data, so the axis has labelled ticks.
    x->setRange(std::pow(10.0, std::floor(std::log10(lo / 1000.0))),
                std::pow(10.0, std::ceil(std::log10(hi / 1000.0))));
    setNiceTicks(y, 0, yMax * 1.1, 4, QString());
    if (y->tickInterval() < 1)
        setNiceTicks(y, 0, std::ceil(yMax), int(std::ceil(yMax)), QString());
}

} // namespace coroscope::ui
