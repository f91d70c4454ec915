// TaskTimeline's painting: the axis, the rows, the selected time range.
#include "model/format.h"
#include "models/tasktablemodel.h"
#include "panels/tasktimeline.h"

#include <QPainter>
#include <QScrollBar>

#include <cmath>

namespace coroscope::ui {
namespace {

/// A tick step of 1, 2 or 5 × 10^k ns giving about `ticks` ticks over `span`.
std::int64_t niceStep(std::int64_t span, int ticks) {
    const double raw = double(span) / std::max(1, ticks);
    const double power = std::pow(10.0, std::floor(std::log10(std::max(raw, 1.0))));
    for (const double m : {1.0, 2.0, 5.0, 10.0})
        if (m * power >= raw)
            return std::max<std::int64_t>(1, std::int64_t(m * power));
    return std::int64_t(10 * power);
}

QColor stateColor(TaskState state, const QPalette& palette) {
    switch (state) {
    case TaskState::Failed:
        return QColor(0xcf, 0x22, 0x2e);
    case TaskState::Cancelled:
        return QColor(0x8c, 0x95, 0x9f);
    case TaskState::Completed:
        return palette.color(QPalette::Mid);
    default:
        return QColor(0x54, 0xae, 0xff); // still alive
    }
}

} // namespace

void TaskTimeline::paintAxis(QPainter& p) const {
    const QRect plot = plotRect();
    const std::int64_t step = niceStep(m_to - m_from, std::max(2, plot.width() / 110));
    const QColor grid = palette().color(QPalette::Midlight);
    p.setPen(palette().color(QPalette::WindowText));
    p.drawText(QRect(4, 0, labelWidth() - 8, axisHeight()), Qt::AlignLeft | Qt::AlignVCenter, tr("Task"));
    // Ticks at multiples of the step since the run's start, labelled as times into the run.
    std::int64_t t = m_startNs + ((m_from - m_startNs) / step) * step;
    for (; t <= m_to; t += step) {
        const double x = xOf(t);
        if (x < plot.left())
            continue;
        p.setPen(grid);
        p.drawLine(QPointF(x, axisHeight()), QPointF(x, height()));
        p.setPen(palette().color(QPalette::WindowText));
        p.drawText(QRectF(x + 3, 0, 100, axisHeight()), Qt::AlignLeft | Qt::AlignVCenter,
                   QString((t < m_startNs ? u'-' : u'+') + formatDuration(std::abs(t - m_startNs))));
    }
}

void TaskTimeline::paintRow(QPainter& p, int row, int y) const {
    const QRect plot = plotRect();
    const int h = rowHeight();
    const std::uint64_t id = m_model.taskIdAt(row);
    const TaskInfo* t = m_model.taskAt(row);
    if (id == m_selected) {
        QColor band = palette().color(QPalette::Highlight);
        band.setAlpha(45); // the bars on it stay readable, in light and dark palettes
        p.fillRect(QRect(0, y, plot.right() + 1, h), band);
    }
    p.setPen(palette().color(QPalette::WindowText));
    const QString label = t ? QStringLiteral("%1 #%2").arg(t->name).arg(id) : QStringLiteral("#%1 …").arg(id);
    p.drawText(QRect(4, y, labelWidth() - 8, h), Qt::AlignLeft | Qt::AlignVCenter,
               fontMetrics().elidedText(label, Qt::ElideRight, labelWidth() - 8));
    if (!t)
        return;
    const std::int64_t end = t->finishedNs >= 0 ? t->finishedNs : m_nowNs;
    const double x0 = std::max<double>(plot.left(), xOf(t->createdNs));
    const double x1 = std::min<double>(plot.right(), xOf(end));
    if (x1 < plot.left() || x0 > plot.right())
        return;
    // The lifetime: a thin bar in the colour of how it ended (or alive).
    QColor life = stateColor(t->state, palette());
    life.setAlpha(110);
    p.fillRect(QRectF(x0, y + h * 0.35, std::max(1.0, x1 - x0), h * 0.3), life);
    // Its resumes: amber while ready and waiting to run, solid while running.
    const QColor running = palette().color(QPalette::Highlight);
    const QColor waiting(0xd4, 0xa7, 0x2c);
    std::int64_t lastEnd = t->createdNs;
    // Thousands of resumes can fall on a few pixels: runs that touch the same pixel are drawn
    // as one rectangle.
    double runA = -1, runB = -2;
    auto flush = [&] {
        if (runB >= runA)
            p.fillRect(QRectF(runA, y + 2, std::max(1.0, runB - runA), h - 4), running);
    };
    const auto range = m_segmentsOf.find(id);
    const std::size_t first = range == m_segmentsOf.end() ? 0 : range->second.first;
    const std::size_t last = range == m_segmentsOf.end() ? 0 : range->second.second;
    // xOf() per segment recomputed the plot's geometry three times each: up to
    // kSegmentsPerTask segments a row, every repaint of a live run (bench/gui's long dispatches).
    const double left = plot.left();
    const double right = plot.right();
    const double pxPerNs = double(plot.width()) / double(std::max<std::int64_t>(1, m_to - m_from));
    const auto x = [&](std::int64_t ns) { return left + double(ns - m_from) * pxPerNs; };
    for (std::size_t i = first; i < last; ++i) {
        const session::TaskSegment& s = m_segments[i];
        const double r = std::max(left, x(s.readyNs));
        const double a = std::max(left, x(s.startNs));
        const double b = std::min(right, x(s.endNs));
        if (a - r >= 1.0)
            p.fillRect(QRectF(r, y + h * 0.25, a - r, h * 0.5), waiting);
        if (b >= a) {
            if (a <= runB + 1.0) {
                runB = std::max(runB, b);
            } else {
                flush();
                runA = a;
                runB = b;
            }
        }
        lastEnd = std::max(lastEnd, s.endNs);
    }
    flush();
    if (m_truncated.count(id)) {
        const double a = std::max<double>(plot.left(), xOf(lastEnd));
        p.fillRect(QRectF(a, y + 2, std::max(0.0, x1 - a), h - 4), QBrush(running, Qt::BDiagPattern));
    }
    if (t->state == TaskState::Failed || t->state == TaskState::Cancelled) {
        p.setPen(QPen(stateColor(t->state, palette()), 2));
        p.drawLine(QPointF(x1, y + 2), QPointF(x1, y + h - 2));
    }
}

void TaskTimeline::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base));
    paintAxis(p);
    const int first = m_scroll->value();
    const int rows = std::min(m_model.rowCount() - first, visibleRows() + 1);
    p.setClipRect(QRect(0, axisHeight(), width() - m_scroll->width(), height()));
    for (int i = 0; i < rows; ++i)
        paintRow(p, first + i, axisHeight() + i * rowHeight());
    p.setClipping(false);
    paintRange(p);
    if (m_model.rowCount() == 0) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(plotRect(), Qt::AlignCenter, tr("No tasks (yet)."));
    }
}

void TaskTimeline::paintRange(QPainter& p) const {
    if (!m_range)
        return;
    const QRect plot = plotRect();
    const double a = std::clamp(xOf(m_range->fromNs), double(plot.left()), double(plot.right()) + 1);
    const double b = std::clamp(xOf(m_range->toNs), double(plot.left()), double(plot.right()) + 1);
    if (b < plot.left() || a > plot.right())
        return;
    QColor band = palette().color(QPalette::Highlight);
    band.setAlpha(40);
    p.fillRect(QRectF(a, 0, std::max(1.0, b - a), height()), band);
    p.setPen(QPen(palette().color(QPalette::Highlight), 1));
    for (const double x : {a, b})
        p.drawLine(QPointF(x, 0), QPointF(x, height()));
    // Its length on the axis, where there is room for it.
    const QString length = formatDuration(m_range->toNs - m_range->fromNs);
    const QRectF label(a, 0, b - a, axisHeight());
    if (label.width() > fontMetrics().horizontalAdvance(length) + 8) {
        p.fillRect(label, palette().color(QPalette::Base));
        p.fillRect(label, band);
        p.setPen(palette().color(QPalette::WindowText));
        p.drawText(label, Qt::AlignCenter, length);
    }
}

} // namespace coroscope::ui
