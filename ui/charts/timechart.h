#pragma once

#include <QChartView>
#include <QLineSeries>
#include <QPointF>
#include <QString>
#include <QValueAxis>

#include <vector>

namespace coroscope::ui {

/// Qt Charts draw their own light background whatever the system palette says: a chart follows
/// the application's palette (dark theme on a dark palette). Call before adding series.
void followPalette(QChart* chart);

/// A line chart over the run's time (x in seconds) with labelled axes and a legend, for the
/// panels. Every series is thinned to at most kMaxPoints (each bucket keeps its min and max, so a
/// spike stays visible): a long session stays fast to draw.
class TimeChart : public QChartView {
    Q_OBJECT
public:
    static constexpr int kMaxPoints = 1000;

    struct Line {
        QString name;
        std::vector<QPointF> points; ///< (seconds, value in the y unit); NaN y: a gap
    };

    TimeChart(QString title, QString yTitle, QWidget* parent = nullptr);
    /// Replaces the lines (a new view of the session).
    void setLines(const std::vector<Line>& lines);
    /// Points drawn in the last setLines(), all lines together (for tests).
    int pointsDrawn() const noexcept { return m_pointsDrawn; }

private:
    void setRanges(double xMax, double yMax);

    QString m_yTitle;
    int m_pointsDrawn = 0;
    // The series of the last shape (each line's name and number of stretches), reused while it
    // holds; the axes belong to the chart.
    std::vector<std::pair<QString, int>> m_shape;
    std::vector<QLineSeries*> m_series;
    QValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
};

} // namespace coroscope::ui
