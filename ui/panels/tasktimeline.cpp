#include "panels/tasktimeline.h"

#include "model/format.h"
#include "models/tasktablemodel.h"
#include "run/taskstoreworker.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>

#include <cmath>

namespace coroscope::ui {
namespace {

constexpr std::int64_t kMinSpanNs = 1'000; // 1 µs across the whole plot: nothing finer is recorded
constexpr std::size_t kSegmentsPerTask = 4'000;

} // namespace

TaskTimeline::TaskTimeline(TaskTableModel& model, TaskStoreWorker& worker, QWidget* parent)
    : QWidget(parent)
    , m_model(model)
    , m_worker(worker)
    , m_scroll(new QScrollBar(Qt::Vertical, this)) {
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setMinimumHeight(120);
    setAccessibleName(tr("Task timeline"));
    updateGeometryCache();
    m_readTimer.setSingleShot(true);
    m_readTimer.setInterval(40); // a wheel turn or a drag asks once, not per event
    connect(&m_readTimer, &QTimer::timeout, this, &TaskTimeline::readSegments);
    connect(m_scroll, &QScrollBar::valueChanged, this, [this] {
        scheduleRead();
        update();
    });
    for (const auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(&m_model, signal, this, &TaskTimeline::rowsChanged);
    connect(&m_model, &QAbstractItemModel::modelReset, this, &TaskTimeline::rowsChanged);
    connect(&m_model, &QAbstractItemModel::layoutChanged, this, &TaskTimeline::rowsChanged);
    connect(&m_model, &QAbstractItemModel::dataChanged, this, qOverload<>(&QWidget::update));
    connect(&m_model, &TaskTableModel::queried, this, &TaskTimeline::scheduleRead);
}

void TaskTimeline::updateGeometryCache() {
    const QFontMetrics metrics = fontMetrics();
    m_rowHeight = metrics.height() + 4;
    m_axisHeight = metrics.height() + 8;
    m_labelWidth = std::clamp(width() / 6, 90, metrics.horizontalAdvance(QLatin1Char('M')) * 18);
}

int TaskTimeline::rowHeight() const {
    return m_rowHeight;
}

int TaskTimeline::axisHeight() const {
    return m_axisHeight;
}

int TaskTimeline::labelWidth() const {
    return m_labelWidth;
}

QRect TaskTimeline::plotRect() const {
    return QRect(m_labelWidth, m_axisHeight, std::max(1, width() - m_labelWidth - m_scroll->width()),
                 std::max(1, height() - m_axisHeight));
}

int TaskTimeline::visibleRows() const {
    return std::max(1, plotRect().height() / rowHeight());
}

int TaskTimeline::firstRow() const {
    return m_scroll->value();
}

void TaskTimeline::scrollToRow(int row) {
    if (row < m_scroll->value() || row >= m_scroll->value() + visibleRows())
        m_scroll->setValue(std::max(0, row - visibleRows() / 2));
}

double TaskTimeline::xOf(std::int64_t ns) const {
    const QRect plot = plotRect();
    return plot.left() +
           double(ns - m_from) * plot.width() / double(std::max<std::int64_t>(1, m_to - m_from));
}

std::int64_t TaskTimeline::timeAt(double x) const {
    const QRect plot = plotRect();
    return m_from + std::int64_t((x - plot.left()) * double(m_to - m_from) / plot.width());
}

int TaskTimeline::rowAt(QPoint pos) const {
    if (pos.y() < axisHeight() || pos.x() >= width() - m_scroll->width())
        return -1;
    const int row = m_scroll->value() + (pos.y() - axisHeight()) / rowHeight();
    return row < m_model.rowCount() ? row : -1;
}

std::uint64_t TaskTimeline::taskAt(QPoint pos) const {
    const int row = rowAt(pos);
    return row < 0 ? 0 : m_model.taskIdAt(row);
}

const session::TaskSegment* TaskTimeline::segmentAt(QPoint pos) const {
    const std::uint64_t id = taskAt(pos);
    const std::int64_t t = timeAt(pos.x());
    const std::int64_t slop = timeAt(pos.x() + 3) - t; // a 1-px segment is still hoverable
    const auto range = m_segmentsOf.find(id);
    if (range == m_segmentsOf.end())
        return nullptr;
    for (std::size_t i = range->second.first; i < range->second.second; ++i)
        if (const session::TaskSegment& s = m_segments[i]; s.readyNs - slop <= t && t <= s.endNs + slop)
            return &s;
    return nullptr;
}

QString TaskTimeline::toolTipAt(QPoint pos) const {
    if (pos.y() < axisHeight() && pos.x() >= plotRect().left())
        return tr("Drag along the axis (or Shift+drag over the rows) to select a time range: the CPU "
                  "profile shows it. A click here or Esc clears it.");
    const int row = rowAt(pos);
    const TaskInfo* t = row < 0 ? nullptr : m_model.taskAt(row);
    if (!t)
        return {};
    auto at = [this](std::int64_t ns) -> QString {
        return QStringLiteral("+") + formatDuration(ns - m_startNs);
    };
    QString text = QStringLiteral("%1 #%2 — %3\ncreated %4")
                       .arg(t->name.left(200))
                       .arg(t->id)
                       .arg(taskStateLabel(t->state), at(t->createdNs));
    if (t->finishedNs >= 0)
        text += QStringLiteral(", ended %1, lived %2")
                    .arg(at(t->finishedNs), formatDuration(t->finishedNs - t->createdNs));
    text += QStringLiteral("\nbusy %1 in %2 resumes").arg(formatDuration(t->busyNs)).arg(t->resumes);
    if (const session::TaskSegment* s = segmentAt(pos))
        text += QStringLiteral("\nthis resume: ready %1, ran %2 after %3 scheduling")
                    .arg(at(s->readyNs), formatDuration(s->endNs - s->startNs),
                         formatDuration(s->startNs - s->readyNs));
    return text;
}

void TaskTimeline::setRunSpan(std::int64_t startNs, std::int64_t nowNs) {
    const bool newRun = startNs != m_startNs;
    m_startNs = startNs;
    m_nowNs = std::max(nowNs, startNs + kMinSpanNs);
    if (newRun || m_followsRun) {
        m_from = m_startNs;
        m_to = m_nowNs;
    }
    if (newRun) {
        m_followsRun = true;
        m_range.reset(); // another run's times
    }
    scheduleRead();
    update();
}

void TaskTimeline::setWindow(std::int64_t fromNs, std::int64_t toNs) {
    if (toNs - fromNs < kMinSpanNs) {
        const std::int64_t mid = fromNs / 2 + toNs / 2;
        fromNs = mid - kMinSpanNs / 2;
        toNs = fromNs + kMinSpanNs;
    }
    m_from = fromNs;
    m_to = toNs;
    m_followsRun = m_from <= m_startNs && m_to >= m_nowNs;
    scheduleRead();
    update();
}

void TaskTimeline::fitRun() {
    setWindow(m_startNs, m_nowNs);
}

void TaskTimeline::setSelectedTask(std::uint64_t id) {
    m_selected = id;
    if (const int row = m_model.rowOfTask(id); row >= 0)
        scrollToRow(row);
    update();
}

void TaskTimeline::zoomAround(double factor, double x) {
    const std::int64_t pivot = timeAt(x);
    const double span = std::max(double(kMinSpanNs), double(m_to - m_from) * factor);
    const double left = (x - plotRect().left()) / plotRect().width();
    const auto from = pivot - std::int64_t(span * left);
    setWindow(from, from + std::int64_t(span));
}

void TaskTimeline::panBy(double dx) {
    const auto shift = std::int64_t(dx * double(m_to - m_from) / plotRect().width());
    setWindow(m_from - shift, m_to - shift);
}

void TaskTimeline::rowsChanged() {
    m_scroll->setRange(0, std::max(0, m_model.rowCount() - visibleRows()));
    m_scroll->setPageStep(visibleRows());
    if (m_selected)
        if (const int row = m_model.rowOfTask(m_selected); row >= 0)
            scrollToRow(row);
    scheduleRead();
    update();
}

void TaskTimeline::scheduleRead() {
    if (!m_readTimer.isActive())
        m_readTimer.start();
}

void TaskTimeline::readSegments() {
    if (m_reading) {
        m_readAgain = true;
        return;
    }
    std::vector<std::uint64_t> ids;
    const int first = m_scroll->value();
    for (int row = first; row < std::min(m_model.rowCount(), first + visibleRows() + 1); ++row)
        ids.push_back(m_model.taskIdAt(row));
    if (ids.empty() || m_worker.path().isEmpty()) {
        m_segments.clear();
        return;
    }
    m_reading = true;
    m_worker.submit<session::SegmentWindow>(
        this,
        [ids, from = m_from, to = m_to](session::TaskStore& store) {
            return store.segments(ids, from, to, kSegmentsPerTask);
        },
        [this](session::SegmentWindow window) {
            m_reading = false;
            m_segments = std::move(window.segments);
            m_truncated.clear();
            m_segmentsOf.clear();
            // They come by task: each task's range, for paint and hover to look at only its own.
            for (std::size_t i = 0; i < m_segments.size();) {
                std::size_t end = i;
                while (end < m_segments.size() && m_segments[end].taskId == m_segments[i].taskId)
                    ++end;
                m_segmentsOf[m_segments[i].taskId] = {i, end};
                // A task whose window held more than was read: the hatching starts where its last
                // read segment ends.
                if (end - i >= kSegmentsPerTask)
                    m_truncated.insert(m_segments[i].taskId);
                i = end;
            }
            update();
            if (std::exchange(m_readAgain, false))
                scheduleRead();
        },
        [this](const QString&) {
            m_reading = false;
            if (std::exchange(m_readAgain, false))
                scheduleRead();
        });
}

void TaskTimeline::wheelEvent(QWheelEvent* event) {
    const double steps = event->angleDelta().y() / 120.0;
    if (event->modifiers() & Qt::ShiftModifier)
        m_scroll->setValue(m_scroll->value() - int(steps * 3));
    else if (event->position().x() >= plotRect().left())
        zoomAround(std::pow(1.25, -steps), event->position().x());
    event->accept();
}

void TaskTimeline::setSelectedRange(std::optional<TimeRange> range) {
    m_range = range;
    update();
}

bool TaskTimeline::startsRange(const QMouseEvent& event) const {
    const QPoint pos = event.position().toPoint();
    return event.button() == Qt::LeftButton && pos.x() >= plotRect().left() &&
           (pos.y() < axisHeight() || (event.modifiers() & Qt::ShiftModifier));
}

void TaskTimeline::mousePressEvent(QMouseEvent* event) {
    m_pressPos = event->position().toPoint();
    m_pressFrom = m_from;
    m_pressRow = m_scroll->value();
    m_dragging = false;
    m_selectingRange = startsRange(*event);
    m_rangeAnchor = timeAt(m_pressPos.x());
    setFocus(Qt::MouseFocusReason);
}

void TaskTimeline::mouseMoveEvent(QMouseEvent* event) {
    if (!(event->buttons() & Qt::LeftButton))
        return;
    const QPoint d = event->position().toPoint() - m_pressPos;
    if (!m_dragging && d.manhattanLength() < 4)
        return;
    m_dragging = true;
    if (m_selectingRange) {
        const QRect plot = plotRect();
        const std::int64_t t = timeAt(std::clamp<double>(event->position().x(), plot.left(), plot.right()));
        m_range = TimeRange{std::min(m_rangeAnchor, t), std::max(m_rangeAnchor, t)};
        update();
        return;
    }
    setCursor(Qt::ClosedHandCursor);
    const auto shift = std::int64_t(double(d.x()) * double(m_to - m_from) / plotRect().width());
    setWindow(m_pressFrom - shift, m_pressFrom - shift + (m_to - m_from));
    m_scroll->setValue(m_pressRow - d.y() / rowHeight());
}

void TaskTimeline::mouseReleaseEvent(QMouseEvent* event) {
    unsetCursor();
    if (std::exchange(m_selectingRange, false)) {
        // A drag selected the range; a click on the axis let it go.
        if (!m_dragging)
            m_range.reset();
        m_dragging = false;
        update();
        Q_EMIT rangeSelected(m_range);
        return;
    }
    if (!m_dragging)
        if (const std::uint64_t id = taskAt(event->position().toPoint())) {
            setSelectedTask(id);
            Q_EMIT taskClicked(id);
        }
    m_dragging = false;
}

void TaskTimeline::mouseDoubleClickEvent(QMouseEvent*) {
    fitRun();
}

void TaskTimeline::keyPressEvent(QKeyEvent* event) {
    const double middle = plotRect().center().x();
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomAround(0.5, middle);
        break;
    case Qt::Key_Minus:
        zoomAround(2.0, middle);
        break;
    case Qt::Key_Left:
        panBy(plotRect().width() / 8.0);
        break;
    case Qt::Key_Right:
        panBy(-plotRect().width() / 8.0);
        break;
    case Qt::Key_Up:
        m_scroll->setValue(m_scroll->value() - 1);
        break;
    case Qt::Key_Down:
        m_scroll->setValue(m_scroll->value() + 1);
        break;
    case Qt::Key_Home:
        fitRun();
        break;
    case Qt::Key_Escape:
        if (!m_range)
            return QWidget::keyPressEvent(event);
        setSelectedRange(std::nullopt);
        Q_EMIT rangeSelected(std::nullopt);
        break;
    default:
        QWidget::keyPressEvent(event);
    }
}

void TaskTimeline::changeEvent(QEvent* event) {
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange)
        updateGeometryCache();
    QWidget::changeEvent(event);
}

void TaskTimeline::resizeEvent(QResizeEvent*) {
    updateGeometryCache();
    m_scroll->setGeometry(width() - m_scroll->sizeHint().width(), axisHeight(), m_scroll->sizeHint().width(),
                          height() - axisHeight());
    rowsChanged();
}

bool TaskTimeline::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        const auto* help = static_cast<QHelpEvent*>(event);
        const QString text = toolTipAt(help->pos());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(event);
}

} // namespace coroscope::ui
