#include "charts/timechart.h"

#include <QChart>
#include <QGuiApplication>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
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
    setMinimumHeight(120);
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
        for (const QPointF& p : thin(line.points)) {
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
            if (stretch.isEmpty() && first)
                continue;
            auto* series = new QLineSeries;
            series->setName(line.name);
            series->replace(stretch);
            series->setPointsVisible(stretch.size() < 3); // a lone point would draw nothing
            m_pointsDrawn += int(stretch.size());
            m_series.push_back(series);
            c->addSeries(series);
            series->attachAxis(x);
            series->attachAxis(y);
            if (first) {
                series->setColor(first->color());
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
    m_x->setRange(0, std::max(1.0, xMax));
    m_y->setRange(0, yMax > 0 ? yMax * 1.1 : 1.0);
    m_y->applyNiceNumbers();
    m_y->setTickCount(3);
    // Plain decimals, as many as the scale needs ("%g" gives 1e+03, which the axis elides).
    m_y->setLabelFormat(m_y->max() >= 100 ? QStringLiteral("%.0f")
                        : m_y->max() >= 1 ? QStringLiteral("%.1f")
                                          : QStringLiteral("%.3f"));
}

} // namespace coroscope::ui
