#include "report/svgchart.h"

#include "model/format.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace coroscope::svg {
namespace {

constexpr double kWidth = 640;
constexpr double kHeight = 220;
constexpr double kLeft = 64; // room for the y labels
constexpr double kRight = 12;
constexpr double kTop = 28;    // the title
constexpr double kBottom = 46; // x labels and the legend

QString n(double v) {
    return QString::number(v, 'f', 1);
}

/// 1, 2 or 5 times a power of ten, so ticks fall on round values.
double niceStep(double span, int ticks) {
    if (!(span > 0))
        return 1;
    const double raw = span / ticks;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * magnitude)
            return m * magnitude;
    return 10 * magnitude;
}

/// Thins `points` (sorted by x) to at most kMaxColumns columns, keeping each column's min and max
/// in time order. A column with no value, or with a gap (NaN) in it, yields a gap.
std::vector<Point> thin(const std::vector<Point>& points, double xMax) {
    if (points.size() <= std::size_t(kMaxColumns) * 2 || !(xMax > 0))
        return points;
    const Point gap{0, std::nan("")};
    std::vector<Point> out;
    out.reserve(std::size_t(kMaxColumns) * 3);
    int lastColumn = -1;
    std::size_t i = 0;
    while (i < points.size()) {
        const int column = std::min(kMaxColumns - 1, int(points[i].x / xMax * kMaxColumns));
        if (column > lastColumn + 1)
            out.push_back(gap); // empty columns between: no data there
        lastColumn = column;
        bool hasGap = false;
        std::optional<Point> lo, hi;
        for (;
             i < points.size() && std::min(kMaxColumns - 1, int(points[i].x / xMax * kMaxColumns)) == column;
             ++i) {
            if (std::isnan(points[i].y)) {
                hasGap = true;
                continue;
            }
            if (!lo || points[i].y < lo->y)
                lo = points[i];
            if (!hi || points[i].y > hi->y)
                hi = points[i];
        }
        if (hasGap)
            out.push_back(gap);
        if (!lo)
            continue;
        const Point& first = lo->x <= hi->x ? *lo : *hi;
        const Point& second = lo->x <= hi->x ? *hi : *lo;
        out.push_back(first);
        if (second.x != first.x || second.y != first.y)
            out.push_back(second);
    }
    return out;
}

QString frame(const QString& title, const QString& body) {
    return QStringLiteral("<figure class=\"chart\"><svg viewBox=\"0 0 %1 %2\" role=\"img\" aria-label=\"%3\">"
                          "<text class=\"title\" x=\"%4\" y=\"16\">%3</text>%5</svg></figure>\n")
        .arg(n(kWidth), n(kHeight), title.toHtmlEscaped(), n(kLeft), body);
}

} // namespace

QString formatValue(Unit unit, double value) {
    switch (unit) {
    case Unit::Nanoseconds:
        return formatDuration(std::llround(value));
    case Unit::Bytes:
        return formatBytes(value);
    case Unit::Count:
        return QString::number(std::llround(value));
    case Unit::Percent:
        return QString::number(std::llround(value)) + QStringLiteral(" %");
    }
    return QString::number(value);
}

QString timeChart(const Chart& chart) {
    std::vector<Series> series = chart.series;
    double xMax = 0;
    for (const Series& s : series)
        for (const Point& p : s.points)
            xMax = std::max(xMax, p.x);
    if (chart.stacked) {
        // Before thinning, while every series still has the x values of the time series it came
        // from: add up in order.
        for (std::size_t k = 1; k < series.size(); ++k)
            for (std::size_t i = 0; i < series[k].points.size() && i < series[k - 1].points.size(); ++i)
                series[k].points[i].y += series[k - 1].points[i].y;
    }
    bool thinned = false;
    for (Series& s : series) {
        thinned |= s.points.size() > std::size_t(kMaxColumns) * 2;
        s.points = thin(s.points, xMax);
    }
    // Thinned points are up to two columns apart: that is no gap in the data.
    const double maxGap =
        chart.maxGap > 0 && thinned ? std::max(chart.maxGap, 2 * xMax / kMaxColumns) : chart.maxGap;
    double yMax = chart.markerY;
    for (const Series& s : series)
        for (const Point& p : s.points)
            if (!std::isnan(p.y))
                yMax = std::max(yMax, p.y);
    if (!(xMax > 0) || !(yMax > 0)) {
        return frame(chart.title, QStringLiteral("<text class=\"empty\" x=\"%1\" y=\"%2\">no data</text>")
                                      .arg(n(kWidth / 2), n(kHeight / 2)));
    }
    const double yStep = chart.unit == Unit::Count ? std::max(1.0, niceStep(yMax, 4)) : niceStep(yMax, 4);
    yMax = std::ceil(yMax / yStep) * yStep;
    const double plotW = kWidth - kLeft - kRight;
    const double plotH = kHeight - kTop - kBottom;
    auto px = [&](double x) { return kLeft + x / xMax * plotW; };
    auto py = [&](double y) { return kTop + plotH - y / yMax * plotH; };
    QString body;
    for (double y = 0; y <= yMax + yStep / 2; y += yStep)
        body += QStringLiteral("<line class=\"grid\" x1=\"%1\" x2=\"%2\" y1=\"%3\" y2=\"%3\"/>"
                               "<text class=\"ylabel\" x=\"%4\" y=\"%5\">%6</text>")
                    .arg(n(kLeft), n(kWidth - kRight), n(py(y)), n(kLeft - 6), n(py(y) + 4),
                         formatValue(chart.unit, y).toHtmlEscaped());
    const double xStep = niceStep(xMax, 6);
    for (double x = 0; x <= xMax + xStep / 100; x += xStep)
        body += QStringLiteral("<text class=\"xlabel\" x=\"%1\" y=\"%2\">%3 s</text>")
                    .arg(n(px(x)), n(kTop + plotH + 14), QString::number(x, 'g', 4));
    // Overlapping or sub-pixel bands merged: thousands of slow callbacks stay a handful of rects.
    std::vector<std::pair<double, double>> bands = chart.bands;
    std::sort(bands.begin(), bands.end());
    std::vector<std::pair<double, double>> merged;
    for (const auto& band : bands) {
        if (!merged.empty() && band.first <= merged.back().second + xMax / plotW)
            merged.back().second = std::max(merged.back().second, band.second);
        else
            merged.push_back(band);
    }
    for (const auto& [from, to] : merged)
        body +=
            QStringLiteral(
                "<rect class=\"band\" x=\"%1\" y=\"%2\" width=\"%3\" height=\"%4\"><title>%5</title></rect>")
                .arg(n(px(from)), n(kTop), n(std::max(1.0, px(to) - px(from))), n(plotH),
                     chart.bandLabel.toHtmlEscaped());
    for (std::size_t k = series.size(); k-- > 0;) { // stacked: the top area first, the rest over it
        const Series& s = series[k];
        if (s.points.empty())
            continue;
        QString path;
        QString dots; // points with no neighbour to join: drawn as dots, or they would vanish
        bool joined = false;
        for (std::size_t i = 0; i < s.points.size(); ++i) {
            const Point& p = s.points[i];
            if (std::isnan(p.y)) {
                joined = false;
                continue;
            }
            const bool gap = i > 0 && maxGap > 0 && p.x - s.points[i - 1].x > maxGap;
            const bool start = !joined || gap;
            path += (start ? QStringLiteral(" M") : QStringLiteral(" L")) + n(px(p.x)) + u',' + n(py(p.y));
            const bool next = i + 1 < s.points.size() && !std::isnan(s.points[i + 1].y) &&
                              !(maxGap > 0 && s.points[i + 1].x - p.x > maxGap);
            if (start && !next && !chart.stacked)
                dots += QStringLiteral("<circle cx=\"%1\" cy=\"%2\" r=\"2\" fill=\"%3\"/>")
                            .arg(n(px(p.x)), n(py(p.y)), s.color);
            joined = true;
        }
        if (path.isEmpty())
            continue;
        body += dots;
        if (chart.stacked)
            body += QStringLiteral("<path class=\"area\" fill=\"%1\" d=\"%2 L%3,%4 L%5,%4 Z\"/>")
                        .arg(s.color, path, n(px(s.points.back().x)), n(py(0)), n(px(s.points.front().x)));
        else
            body += QStringLiteral("<path class=\"line\" stroke=\"%1\" d=\"%2\"/>").arg(s.color, path);
    }
    if (chart.markerY > 0)
        body += QStringLiteral("<line class=\"marker\" x1=\"%1\" x2=\"%2\" y1=\"%3\" y2=\"%3\"/>"
                               "<text class=\"markerlabel\" x=\"%2\" y=\"%4\">%5</text>")
                    .arg(n(kLeft), n(kWidth - kRight), n(py(chart.markerY)), n(py(chart.markerY) - 4),
                         chart.markerLabel.toHtmlEscaped());
    body += QStringLiteral("<line class=\"axis\" x1=\"%1\" x2=\"%1\" y1=\"%2\" y2=\"%3\"/>"
                           "<line class=\"axis\" x1=\"%1\" x2=\"%4\" y1=\"%3\" y2=\"%3\"/>")
                .arg(n(kLeft), n(kTop), n(py(0)), n(kWidth - kRight));
    double legendX = kLeft;
    if (!chart.bands.empty()) {
        body += QStringLiteral("<rect class=\"band\" x=\"%1\" y=\"%2\" width=\"10\" height=\"10\"/>"
                               "<text class=\"legend\" x=\"%3\" y=\"%4\">%5</text>")
                    .arg(n(legendX), n(kHeight - 14), n(legendX + 14), n(kHeight - 5),
                         chart.bandLabel.left(40).toHtmlEscaped());
        legendX += 24 + 6.5 * double(std::min<qsizetype>(chart.bandLabel.size(), 40));
    }
    for (const Series& s : series) {
        body += QStringLiteral("<rect x=\"%1\" y=\"%2\" width=\"10\" height=\"10\" fill=\"%3\"/>"
                               "<text class=\"legend\" x=\"%4\" y=\"%5\">%6</text>")
                    .arg(n(legendX), n(kHeight - 14), s.color, n(legendX + 14), n(kHeight - 5),
                         s.name.left(40).toHtmlEscaped());
        legendX += 24 + 6.5 * double(std::min<qsizetype>(s.name.size(), 40));
    }
    return frame(chart.title, body);
}

QString barChart(const QString& title, const std::vector<Bar>& bars) {
    double yMax = 0;
    for (const Bar& b : bars)
        yMax = std::max(yMax, b.value);
    if (bars.empty() || !(yMax > 0))
        return frame(title, QStringLiteral("<text class=\"empty\" x=\"%1\" y=\"%2\">no data</text>")
                                .arg(n(kWidth / 2), n(kHeight / 2)));
    const double yStep = std::max(1.0, niceStep(yMax, 4)); // counts: whole ticks
    yMax = std::ceil(yMax / yStep) * yStep;
    const double plotW = kWidth - kLeft - kRight;
    const double plotH = kHeight - kTop - kBottom;
    const double barW = plotW / double(bars.size());
    QString body;
    for (double y = 0; y <= yMax + yStep / 2; y += yStep) {
        const double yy = kTop + plotH - y / yMax * plotH;
        body += QStringLiteral("<line class=\"grid\" x1=\"%1\" x2=\"%2\" y1=\"%3\" y2=\"%3\"/>"
                               "<text class=\"ylabel\" x=\"%4\" y=\"%5\">%6</text>")
                    .arg(n(kLeft), n(kWidth - kRight), n(yy), n(kLeft - 6), n(yy + 4),
                         QString::number(std::llround(y)));
    }
    const std::size_t labelEvery = std::max<std::size_t>(1, bars.size() / 6);
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const double h = bars[i].value / yMax * plotH;
        const double x = kLeft + double(i) * barW;
        body += QStringLiteral("<rect class=\"bar\" x=\"%1\" y=\"%2\" width=\"%3\" height=\"%4\">"
                               "<title>%5: %6</title></rect>")
                    .arg(n(x + 1), n(kTop + plotH - h), n(std::max(1.0, barW - 2)), n(h),
                         bars[i].label.toHtmlEscaped(), QString::number(std::llround(bars[i].value)));
        if (i % labelEvery == 0)
            body += QStringLiteral("<text class=\"xlabel\" x=\"%1\" y=\"%2\">%3</text>")
                        .arg(n(x + barW / 2), n(kTop + plotH + 14), bars[i].label.toHtmlEscaped());
    }
    body += QStringLiteral("<line class=\"axis\" x1=\"%1\" x2=\"%2\" y1=\"%3\" y2=\"%3\"/>")
                .arg(n(kLeft), n(kWidth - kRight), n(kTop + plotH));
    return frame(title, body);
}

} // namespace coroscope::svg
