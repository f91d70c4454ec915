#pragma once

#include <QString>

#include <vector>

namespace coroscope {

/// Inline SVG charts for the HTML report: no script, no fonts, no network; bounded in size
/// (every series is thinned to at most kMaxColumns points, keeping each column's extremes so a
/// spike never disappears).
namespace svg {

inline constexpr int kMaxColumns = 400;

enum class Unit { Nanoseconds, Bytes, Count, Percent };

struct Point {
    double x = 0; ///< seconds since the run started
    double y = 0; ///< in the chart's unit; NaN: no value here (the line breaks)
};

struct Series {
    QString name;
    QString color; ///< CSS colour
    std::vector<Point> points;
};

struct Chart {
    QString title;
    Unit unit = Unit::Count;
    bool stacked = false; ///< areas stacked in series order (first at the bottom)
    std::vector<Series> series;
    /// A horizontal marker (e.g. the slow-callback threshold), drawn dashed if > 0.
    double markerY = 0;
    QString markerLabel;
    /// Consecutive points further apart than this (seconds) are not joined: a window without data
    /// must not look like a ramp. 0: always join.
    double maxGap = 0;
    /// Spans of the x axis to shade (seconds): the slow callbacks, when the loop was blocked.
    std::vector<std::pair<double, double>> bands;
    QString bandLabel;
};

/// A line (or stacked area) chart over the run's time, with axes, units and a legend.
QString timeChart(const Chart& chart);

struct Bar {
    QString label; ///< already formatted (a range)
    double value = 0;
};
/// Vertical bars (a histogram), labels under every few bars.
QString barChart(const QString& title, const std::vector<Bar>& bars);

/// "1.2 ms", "34 MiB", "1 200": how an axis of `unit` labels `value`.
QString formatValue(Unit unit, double value);

} // namespace svg
} // namespace coroscope
