#pragma once

#include <QStyledItemDelegate>

namespace coroscope::ui {

/// Draws a cell's figure over a bar as long as its share of the column's largest (the index's
/// `fractionRole`), as heaptrack_gui's summary does: the eye compares the bars, not the digits.
class BarDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    BarDelegate(int fractionRole, QObject* parent = nullptr);
    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;

private:
    int m_fractionRole;
};

} // namespace coroscope::ui
