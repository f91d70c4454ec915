#pragma once

#include "reading/taskstore.h"
#include "report/cputimerange.h"

#include <QTimer>
#include <QWidget>

#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

class QScrollBar;

namespace coroscope::ui {

class TaskTableModel;
class TaskStoreWorker;

/// Task lifetimes on a time axis, one row per task in the Tasks table's order (its filter and
/// sort), each with its resume segments: when it ran, and how long it waited to run. The wheel
/// zooms around the pointer, a drag pans (time and rows), hovering shows what is under the
/// pointer, a click selects the task; + and - zoom, the arrows pan, Home fits the whole run.
/// A drag along the time axis (or a Shift+drag over the rows) selects a time range, which the
/// CPU profile view follows; a click on the axis or Esc clears it.
///
/// Only the rows shown are read: their lifetimes through the table model's pages, their
/// segments in the window shown from the session on the worker thread (at most a few thousand
/// per task: past that, the rest of the bar is hatched — zoom in to see each resume).
class TaskTimeline : public QWidget {
    Q_OBJECT
public:
    TaskTimeline(TaskTableModel& model, TaskStoreWorker& worker, QWidget* parent = nullptr);

    /// The run started at `startNs` and the session reaches `nowNs`. While the window shows the
    /// whole run it follows its end.
    void setRunSpan(std::int64_t startNs, std::int64_t nowNs);
    /// The time window shown (ns, absolute, as in the session).
    void setWindow(std::int64_t fromNs, std::int64_t toNs);
    std::int64_t windowFrom() const noexcept { return m_from; }
    std::int64_t windowTo() const noexcept { return m_to; }
    /// Back to the whole run.
    void fitRun();
    void setSelectedTask(std::uint64_t id);
    /// The time range selected (shaded), or none. Setting it emits nothing.
    std::optional<TimeRange> selectedRange() const { return m_range; }
    void setSelectedRange(std::optional<TimeRange> range);
    /// The first row shown; scrolls so that `row` is shown.
    int firstRow() const;
    void scrollToRow(int row);

    /// What is under a point: its task id (0: none) and the tooltip's text.
    std::uint64_t taskAt(QPoint pos) const;
    QString toolTipAt(QPoint pos) const;
    /// Segments read for the rows and window shown (tests); no read in flight or waiting.
    std::size_t segmentsShown() const noexcept { return m_segments.size(); }
    bool isSettled() const noexcept { return !m_reading && !m_readTimer.isActive(); }
    QSize sizeHint() const override { return {900, 260}; }

Q_SIGNALS:
    void taskClicked(std::uint64_t id);
    /// The user selected a time range, or cleared it (none).
    void rangeSelected(std::optional<coroscope::TimeRange> range);

protected:
    void paintEvent(QPaintEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;
    bool event(QEvent* event) override;

private:
    int rowHeight() const;
    int axisHeight() const;
    int labelWidth() const;
    QRect plotRect() const;
    int visibleRows() const;
    double xOf(std::int64_t ns) const;
    std::int64_t timeAt(double x) const;
    int rowAt(QPoint pos) const;
    const session::TaskSegment* segmentAt(QPoint pos) const;
    void zoomAround(double factor, double x);
    void panBy(double dx);
    void rowsChanged();
    void scheduleRead();
    void readSegments();
    void paintAxis(QPainter& p) const;
    void paintRow(QPainter& p, int row, int y) const;
    void paintRange(QPainter& p) const;
    /// A press that starts a range: on the axis, or with Shift.
    bool startsRange(const QMouseEvent& event) const;

    TaskTableModel& m_model;
    TaskStoreWorker& m_worker;
    QScrollBar* m_scroll;
    std::int64_t m_startNs = 0;
    std::int64_t m_nowNs = 0;
    std::int64_t m_from = 0;
    std::int64_t m_to = 1;
    bool m_followsRun = true; ///< the window is the whole run (until zoomed or panned)
    std::uint64_t m_selected = 0;
    // The segments of the rows shown, and which tasks had more in the window than were read.
    std::vector<session::TaskSegment> m_segments;
    std::unordered_map<std::uint64_t, std::pair<std::size_t, std::size_t>> m_segmentsOf; ///< [first, last)
    std::unordered_set<std::uint64_t> m_truncated;
    // Geometry, kept up to date by resizes and font changes: paint asks for it per segment.
    int m_rowHeight = 16;
    int m_axisHeight = 20;
    int m_labelWidth = 120;
    void updateGeometryCache();
    QTimer m_readTimer;
    bool m_reading = false;
    bool m_readAgain = false;
    // A press: where, and the window and first row then (a drag pans from those).
    QPoint m_pressPos;
    std::int64_t m_pressFrom = 0;
    int m_pressRow = 0;
    bool m_dragging = false;
    std::optional<TimeRange> m_range;
    bool m_selectingRange = false; ///< the press started a range; it ends at the release
    std::int64_t m_rangeAnchor = 0;
};

} // namespace coroscope::ui
