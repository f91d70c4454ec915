#include "timechart.h"

#include <QChart>
#include <QLegendMarker>
#include <QLineSeries>
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

TimeChart::TimeChart(QString title, QString yTitle, QWidget* parent)
    : QChartView(parent)
    , m_yTitle(std::move(yTitle)) {
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->legend()->setAlignment(Qt::AlignRight);
    chart->setMargins(QMargins(4, 4, 4, 4));
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(120);
}

void TimeChart::setLines(const std::vector<Line>& lines) {
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
    double xMax = 0, yMax = 0;
    m_pointsDrawn = 0;
    for (const Line& line : lines) {
        // A gap (NaN: no data in that window, e.g. the loop was blocked) ends a stretch: each
        // stretch is a series of its own, in the first one's colour, with one legend entry.
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
        QLineSeries* first = nullptr;
        for (const QList<QPointF>& stretch : stretches) {
            if (stretch.isEmpty() && first)
                continue;
            auto* series = new QLineSeries;
            series->setName(line.name);
            series->replace(stretch);
            series->setPointsVisible(stretch.size() < 3); // a lone point would draw nothing
            m_pointsDrawn += int(stretch.size());
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
    x->setRange(0, std::max(1.0, xMax));
    y->setRange(0, yMax > 0 ? yMax * 1.1 : 1.0);
    y->applyNiceNumbers();
    y->setTickCount(3);
    // Plain decimals, as many as the scale needs ("%g" gives 1e+03, which the axis elides).
    y->setLabelFormat(y->max() >= 100 ? QStringLiteral("%.0f")
                      : y->max() >= 1 ? QStringLiteral("%.1f")
                                      : QStringLiteral("%.3f"));
}

} // namespace coroscope::ui
