#include "panels/bardelegate.h"

#include <QPainter>

namespace coroscope::ui {

BarDelegate::BarDelegate(int fractionRole, QObject* parent)
    : QStyledItemDelegate(parent)
    , m_fractionRole(fractionRole) {}

void BarDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                        const QModelIndex& index) const {
    const double fraction = index.data(m_fractionRole).toDouble();
    if (fraction > 0) {
        // Behind the text, in the highlight colour made faint: readable in a light and a dark
        // palette, and distinct from a selected row.
        QColor bar = option.palette.color(QPalette::Highlight);
        bar.setAlphaF(0.35F);
        QRect r = option.rect.adjusted(1, 3, -1, -3);
        r.setWidth(std::max(1, int(r.width() * fraction)));
        painter->fillRect(r, bar);
    }
    QStyledItemDelegate::paint(painter, option, index);
}

} // namespace coroscope::ui
