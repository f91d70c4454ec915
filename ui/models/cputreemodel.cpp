#include "models/cputreemodel.h"

#include <QLocale>

namespace coroscope::ui {

CpuTreeModel::CpuTreeModel(QObject* parent)
    : QAbstractItemModel(parent) {}

void CpuTreeModel::setTree(std::shared_ptr<const CpuCallTree> tree, const QString& unit) {
    beginResetModel();
    m_tree = std::move(tree);
    m_unit = unit;
    endResetModel();
    Q_EMIT headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
}

QModelIndex CpuTreeModel::index(int row, int column, const QModelIndex& parent) const {
    if (!m_tree || m_tree->size() == 0 || column < 0 || column >= ColumnCount || row < 0 ||
        (parent.isValid() && parent.column() != 0))
        return {};
    const std::vector<int>& children = m_tree->children(nodeOf(parent));
    return row < int(children.size()) ? createIndex(row, column, quintptr(children[std::size_t(row)]))
                                      : QModelIndex();
}

QModelIndex CpuTreeModel::indexOfNode(int node) const {
    if (!m_tree || node <= 0 || node >= m_tree->size())
        return {};
    return createIndex(m_tree->node(node).row, 0, quintptr(node));
}

QModelIndex CpuTreeModel::parent(const QModelIndex& child) const {
    if (!child.isValid() || !m_tree)
        return {};
    const int parent = m_tree->node(nodeOf(child)).parent;
    // The root is not shown: its children are the top level.
    return parent <= 0 ? QModelIndex() : createIndex(m_tree->node(parent).row, 0, quintptr(parent));
}

int CpuTreeModel::rowCount(const QModelIndex& parent) const {
    if (!m_tree || m_tree->size() == 0 || (parent.isValid() && parent.column() != 0))
        return 0;
    return int(m_tree->children(nodeOf(parent)).size());
}

bool CpuTreeModel::hasChildren(const QModelIndex& parent) const {
    if (!m_tree || m_tree->size() == 0 || (parent.isValid() && parent.column() != 0))
        return false;
    return m_tree->hasChildren(nodeOf(parent));
}

int CpuTreeModel::columnCount(const QModelIndex&) const {
    return ColumnCount;
}

QVariant CpuTreeModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !m_tree)
        return {};
    const int id = nodeOf(index);
    const CpuCallTree::Node& n = m_tree->node(id);
    const auto column = Column(index.column());
    const std::uint64_t cost = column == Self || column == SelfPercent ? n.self : n.total;
    const double fraction = m_tree->total() > 0 ? double(cost) / double(m_tree->total()) : 0.0;
    switch (role) {
    case NodeRole:
        return id;
    case CostRole:
        return qulonglong(cost);
    case FractionRole:
        return column == SelfPercent || column == InclusivePercent ? fraction : 0.0;
    case SortRole:
        if (column == Function)
            return m_tree->name(id);
        if (column == Module)
            return m_tree->module(id);
        return qulonglong(cost);
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(column >= Self ? Qt::AlignRight | Qt::AlignVCenter
                                                  : Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (column == Function || column == Module) {
            const QString where = m_tree->location(id);
            return where.isEmpty() ? m_tree->name(id) : QString(m_tree->name(id) + u'\n' + where);
        }
        return {};
    case Qt::DisplayRole:
        switch (column) {
        case Function:
            return m_tree->name(id);
        case Module:
            return m_tree->module(id);
        case Self:
        case Inclusive:
            return QLocale().toString(qulonglong(cost));
        case SelfPercent:
        case InclusivePercent:
            return QStringLiteral("%1 %").arg(fraction * 100.0, 0, 'f', 1);
        case ColumnCount:
            break;
        }
        break;
    default:
        break;
    }
    return {};
}

QVariant CpuTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Function:
        return tr("Function");
    case Module:
        return tr("Module");
    case Self:
        return tr("Self (%1)").arg(m_unit);
    case SelfPercent:
        return tr("Self %");
    case Inclusive:
        return tr("Inclusive (%1)").arg(m_unit);
    case InclusivePercent:
        return tr("Inclusive %");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace coroscope::ui
