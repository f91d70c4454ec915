#pragma once

#include <QChartView>
#include <QPointF>

#include <array>
#include <vector>

class QAreaSeries;
class QLineSeries;
class QLogValueAxis;
class QScatterSeries;
class QValueAxis;

namespace coroscope::ui {

/// Slow callbacks as a scatter: when (s) × how long (ms, log scale), with the slow-callback
/// threshold drawn as a line. Clicking a point asks to select that callback.
class SlowCallbackScatter : public QChartView {
    Q_OBJECT
public:
    explicit SlowCallbackScatter(QWidget* parent = nullptr);
    /// points: (seconds since the start, duration in ms), in the slow-callback table's order.
    void setPoints(const std::vector<QPointF>& points, double thresholdMs, double runSeconds);
    int pointCount() const noexcept { return int(m_points.size()); }

Q_SIGNALS:
    void pointClicked(int index);

private:
    void build();

    std::vector<QPointF> m_points;
    // Made once and given new points: rebuilding series and axes on every view of a live run
    // was among the GUI thread's longest work (bench/gui).
    QScatterSeries* m_scatter = nullptr;
    QLineSeries* m_threshold = nullptr;
    QValueAxis* m_x = nullptr;
    QLogValueAxis* m_y = nullptr;
};

/// Tasks by state over time, stacked: how many are created, scheduled, running, suspended, and how
/// many have completed, failed or been cancelled.
class TaskStateChart : public QChartView {
    Q_OBJECT
public:
    static constexpr int kMaxPoints = 600;
    explicit TaskStateChart(QWidget* parent = nullptr);
    /// One sample per time point: seconds since the start and the count of each of the 7 states.
    void setSamples(const std::vector<std::pair<double, std::array<double, 7>>>& samples);
    int layers() const noexcept { return m_layers; }

private:
    int m_layers = 0;
    std::vector<int> m_shape; ///< the states drawn, bottom up: series are reused while it holds
    std::vector<QAreaSeries*> m_areas;
    QValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
};

} // namespace coroscope::ui

namespace coroscope {
class Histogram;
}

namespace coroscope::ui {

/// The selected metric's distribution: counts in log-spaced duration bins (latency spans orders of
/// magnitude), from its whole-run histogram.
class LatencyHistogramChart : public QChartView {
    Q_OBJECT
public:
    static constexpr int kBins = 24;
    explicit LatencyHistogramChart(QWidget* parent = nullptr);
    void setHistogram(const QString& title, const Histogram& micros);
    /// Values counted in the bars (for tests): the histogram's count.
    double counted() const noexcept { return m_counted; }

private:
    double m_counted = 0;
    QAreaSeries* m_bars = nullptr; ///< null while no value is counted
    QLogValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
};

} // namespace coroscope::ui
