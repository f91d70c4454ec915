#pragma once

#include <QStyledItemDelegate>

namespace coroscope::ui {

/// Paints a cell as its display text, elided, aligned as the model says, over the view's
/// selection and alternate-row colours: what QStyledItemDelegate draws for a plain text cell,
/// without the style's per-cell layout (a QTextLayout and the sub-element rectangles of every
/// cell). That layout made one repaint of a task table 16–20 ms while following a live run
/// (bench/gui), over a frame.
class PlainTextDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
};

} // namespace coroscope::ui
