#include "models/toplistmodel.h"

#include <algorithm>

namespace coroscope::ui {

TopListModel::TopListModel(QString valueTitle, QString detailTitle, QObject* parent)
    : QAbstractTableModel(parent)
    , m_valueTitle(std::move(valueTitle))
    , m_detailTitle(std::move(detailTitle)) {}

void TopListModel::setRows(std::vector<Row> rows) {
    // A handful of rows, replaced whole: a reset is cheaper than working out the moves.
    beginResetModel();
    m_rows = std::move(rows);
    m_max = 0;
    for (const Row& row : m_rows)
        m_max = std::max(m_max, row.value);
    endResetModel();
}

int TopListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TopListModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TopListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const Row& row = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return index.column() == Name ? row.name : index.column() == Value ? row.valueText : row.detail;
    case Qt::ToolTipRole:
        return index.column() == Detail ? row.detail : row.name;
    case FractionRole:
        return m_max > 0 ? std::clamp(row.value / m_max, 0.0, 1.0) : 0.0;
    case TargetRole:
        return row.target;
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(index.column() == Value ? Qt::AlignRight | Qt::AlignVCenter
                                                           : Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant TopListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Name");
    case Value:
        return m_valueTitle;
    case Detail:
        return m_detailTitle;
    default:
        return {};
    }
}

} // namespace coroscope::ui
