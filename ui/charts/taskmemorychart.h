#pragma once

#include "reading/sessionreader.h"

#include <QChartView>
#include <QColor>
#include <QString>

#include <cstdint>
#include <map>
#include <vector>

class QAreaSeries;
class QLineSeries;
class QValueAxis;

namespace coroscope::ui {

/// The live heap of the top tasks over the run's time, stacked (like heaptrack's "Consumed"):
/// one layer per task that held the most at its peak ("name #id"), one for all other tasks on
/// top, so the stack's height is the heap attributed to tasks and each layer shows when its task
/// grew. Drawn from SessionData::taskMemory; each layer thinned to kMaxPoints.
class TaskMemoryChart : public QChartView {
    Q_OBJECT
public:
    static constexpr int kMaxPoints = 1000;
    static constexpr int kMinimumHeight = 180;

    struct Layer {
        std::uint64_t taskId = 0; ///< 0: other tasks
        QString label;            ///< "name #id", or "other tasks"
        QColor color;
    };

    explicit TaskMemoryChart(QWidget* parent = nullptr);

    /// Shows `series`; times are drawn relative to `startNs` (the run's start). While a run goes
    /// on this is called ~10 times a second: with the same layers, the series are only given
    /// their new points. A task keeps its colour for as long as the chart shows it.
    void setSeries(const session::TaskMemorySeries& series, std::int64_t startNs);
    /// Nothing shown (a new run or session); colours are handed out afresh.
    void clear();

    /// The layers drawn, bottom first (for tests).
    const std::vector<Layer>& layers() const noexcept { return m_layers; }
    /// Points per layer drawn in the last setSeries() (for tests).
    int pointsPerLayer() const noexcept { return m_pointsPerLayer; }

private:
    void rebuild();
    QColor colorFor(std::uint64_t taskId);

    std::vector<Layer> m_layers;
    std::vector<QAreaSeries*> m_areas; ///< one per layer, bottom first
    QValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
    std::map<std::uint64_t, int> m_colorIndex; ///< by task: stable while it is shown
    int m_pointsPerLayer = 0;
};

} // namespace coroscope::ui
