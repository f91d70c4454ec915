#include "charts/timechart.h"

#include "charts/chartstyle.h"

#include <QChart>
#include <QGuiApplication>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QPalette>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace coroscope::ui {
namespace {

/// At most TimeChart::kMaxPoints points: per bucket of x, the min and the max in time order.
std::vector<QPointF> thin(const std::vector<QPointF>& points) {
    if (points.size() <= std::size_t(TimeChart::kMaxPoints))
        return points;
    const int buckets = TimeChart::kMaxPoints / 2;
    const double x0 = points.front().x(), x1 = points.back().x();
    const double width = std::max(1e-9, (x1 - x0) / buckets);
    std::vector<QPointF> out;
    out.reserve(std::size_t(TimeChart::kMaxPoints));
    std::size_t i = 0;
    while (i < points.size()) {
        const int bucket = std::min(buckets - 1, int((points[i].x() - x0) / width));
        const QPointF* lo = nullptr;
        const QPointF* hi = nullptr;
        for (; i < points.size() && std::min(buckets - 1, int((points[i].x() - x0) / width)) == bucket; ++i) {
            if (std::isnan(points[i].y()))
                continue;
            if (!lo || points[i].y() < lo->y())
                lo = &points[i];
            if (!hi || points[i].y() > hi->y())
                hi = &points[i];
        }
        if (!lo)
            continue;
        out.push_back(lo->x() <= hi->x() ? *lo : *hi);
        if (lo != hi)
            out.push_back(lo->x() <= hi->x() ? *hi : *lo);
    }
    return out;
}

/// The line with a NaN put in every step of time much longer than its usual one: no line is
/// drawn across a span that had no sample (the HTML report leaves the same gaps).
std::vector<QPointF> withTimeGaps(const std::vector<QPointF>& points) {
    std::vector<double> steps;
    for (std::size_t i = 1; i < points.size(); ++i)
        if (!std::isnan(points[i].y()) && !std::isnan(points[i - 1].y()))
            steps.push_back(points[i].x() - points[i - 1].x());
    if (steps.empty())
        return points;
    // The line's own cadence is its shortest step (a metric recorded every second steps by a
    // second; one recorded in bursts, by the session's 100 ms batches): a step four times that is
    // a span without samples.
    double usual = 0;
    for (const double step : steps)
        if (step > 1e-3 && (usual == 0 || step < usual))
            usual = step;
    const double gap = std::max(4 * usual, 0.3);
    std::vector<QPointF> out;
    out.reserve(points.size() + 8);
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (i > 0 && points[i].x() - points[i - 1].x() > gap)
            out.emplace_back(points[i - 1].x(), std::nan(""));
        out.push_back(points[i]);
    }
    return out;
}

} // namespace

void followPalette(QChart* chart) {
    const QPalette palette = QGuiApplication::palette();
    const bool dark = palette.color(QPalette::Window).lightness() < 128;
    chart->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart->setBackgroundBrush(palette.color(QPalette::Base));
    chart->setTitleBrush(palette.color(QPalette::WindowText));
    chart->legend()->setLabelColor(palette.color(QPalette::WindowText));
}

TimeChart::TimeChart(QString title, QString yTitle, QWidget* parent)
    : QChartView(parent)
    , m_yTitle(std::move(yTitle)) {
    auto* chart = new QChart;
    followPalette(chart);
    chart->setTitle(title);
    chart->legend()->setAlignment(Qt::AlignRight);
    chart->setMargins(QMargins(4, 4, 4, 4));
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(kMinimumHeight);
}

void TimeChart::setShadedSpans(std::vector<std::pair<double, double>> spans) {
    m_shaded = std::move(spans);
    scene()->update();
}

void TimeChart::drawForeground(QPainter* painter, const QRectF& rect) {
    QChartView::drawForeground(painter, rect);
    if (m_shaded.empty() || m_series.empty())
        return;
    const QRectF plot = chart()->mapRectToScene(chart()->plotArea());
    QColor shade(0xcf, 0x22, 0x2e);
    shade.setAlphaF(0.13F);
    for (const auto& [from, to] : m_shaded) {
        const double x0 = chart()->mapToScene(chart()->mapToPosition(QPointF(from, 0), m_series.front())).x();
        const double x1 = chart()->mapToScene(chart()->mapToPosition(QPointF(to, 0), m_series.front())).x();
        const QRectF band =
            QRectF(QPointF(x0, plot.top()), QPointF(std::max(x1, x0 + 1), plot.bottom())).intersected(plot);
        if (!band.isEmpty())
            painter->fillRect(band, shade);
    }
}

int TimeChart::legendEntries() const {
    int shown = 0;
    for (QLegendMarker* marker : chart()->legend()->markers())
        shown += marker->isVisible() ? 1 : 0;
    return shown;
}

QColor TimeChart::lineColor(const QString& name) const {
    for (QLineSeries* series : m_series)
        if (series->name() == name)
            return series->color();
    return {};
}

void TimeChart::setLines(const std::vector<Line>& lines) {
    // Split each line at its gaps first: while a run goes on the shape (lines and stretches)
    // rarely changes, and then the series are only given their new points — rebuilding series,
    // axes and legend ten times a second was the GUI thread's longest work (bench/gui).
    std::vector<std::vector<QList<QPointF>>> split;
    std::vector<std::pair<QString, int>> shape;
    double xMax = 0, yMax = 0;
    for (const Line& line : lines) {
        std::vector<QList<QPointF>> stretches(1);
        for (const QPointF& p : withTimeGaps(thin(line.points))) {
            if (std::isnan(p.y())) {
                if (!stretches.back().isEmpty())
                    stretches.emplace_back();
                continue;
            }
            stretches.back().append(p);
            xMax = std::max(xMax, p.x());
            yMax = std::max(yMax, p.y());
        }
        if (stretches.size() > 1 && stretches.back().isEmpty())
            stretches.pop_back();
        shape.emplace_back(line.name, int(stretches.size()));
        split.push_back(std::move(stretches));
    }
    if (shape == m_shape && m_x && m_y) {
        std::size_t at = 0;
        m_pointsDrawn = 0;
        for (const auto& stretches : split)
            for (const QList<QPointF>& stretch : stretches) {
                m_series[at]->replace(stretch);
                m_series[at++]->setPointsVisible(stretch.size() < 3);
                m_pointsDrawn += int(stretch.size());
            }
        setRanges(xMax, yMax);
        return;
    }
    m_shape = shape;
    m_series.clear();
    QChart* c = chart();
    c->removeAllSeries();
    for (QAbstractAxis* axis : c->axes()) {
        c->removeAxis(axis);
        delete axis; // removeAxis() hands it back to us
    }
    auto* x = new QValueAxis;
    x->setLabelFormat(QStringLiteral("%.1f s")); // the unit in the labels: no title to squeeze the plot
    x->setTickCount(5);
    auto* y = new QValueAxis;
    y->setTitleText(m_yTitle);
    y->setTickCount(3); // a short chart elides the labels of more ticks
    c->addAxis(x, Qt::AlignBottom);
    c->addAxis(y, Qt::AlignLeft);
    m_x = x;
    m_y = y;
    m_pointsDrawn = 0;
    for (std::size_t l = 0; l < lines.size(); ++l) {
        const Line& line = lines[l];
        // A gap (NaN: no data in that window, e.g. the loop was blocked) ends a stretch: each
        // stretch is a series of its own, in the first one's colour, with one legend entry.
        const std::vector<QList<QPointF>>& stretches = split[l];
        QLineSeries* first = nullptr;
        for (const QList<QPointF>& stretch : stretches) {
            auto* series = new QLineSeries;
            series->setName(line.name);
            QPen pen(seriesColor(line.name, int(l)));
            pen.setWidthF(1.5);
            series->setPen(pen);
            series->replace(stretch);
            series->setPointsVisible(stretch.size() < 3); // a lone point would draw nothing
            m_pointsDrawn += int(stretch.size());
            m_series.push_back(series);
            c->addSeries(series);
            series->attachAxis(x);
            series->attachAxis(y);
            // One legend entry per line, for its first stretch (an empty one too: a line with no
            // point yet is still named, as in every other chart).
            if (first) {
                for (QLegendMarker* marker : c->legend()->markers(series))
                    marker->setVisible(false);
            } else {
                first = series;
            }
        }
    }
    setRanges(xMax, yMax);
}

void TimeChart::setRanges(double xMax, double yMax) {
    setNiceTicks(m_x, 0, std::max(1.0, xMax), 6, QStringLiteral("s"));
    setNiceTicks(m_y, 0, yMax > 0 ? yMax * 1.05 : 1.0, 4, QString());
}

} // namespace coroscope::ui
