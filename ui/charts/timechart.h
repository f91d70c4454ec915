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

    /// The least a chart is tall: below it the axis labels crowd the plot out.
    static constexpr int kMinimumHeight = 180;

    TimeChart(QString title, QString yTitle, QWidget* parent = nullptr);
    /// Replaces the lines (a new view of the session). A line is never drawn across a gap: a
    /// NaN point, or a step in time over four times the line's usual one (no sample in between,
    /// e.g. while the loop was blocked) ends a stretch.
    void setLines(const std::vector<Line>& lines);
    /// Spans of time (seconds) shaded across the plot: when the loop was blocked.
    void setShadedSpans(std::vector<std::pair<double, double>> spans);
    /// Stretches drawn in the last setLines() (a gap makes one more), and legend entries shown.
    int stretchesDrawn() const noexcept { return int(m_series.size()); }
    int legendEntries() const;
    QColor lineColor(const QString& name) const;
    /// Points drawn in the last setLines(), all lines together (for tests).
    int pointsDrawn() const noexcept { return m_pointsDrawn; }

protected:
    void drawForeground(QPainter* painter, const QRectF& rect) override;

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
    std::vector<std::pair<double, double>> m_shaded;
};

} // namespace coroscope::ui
