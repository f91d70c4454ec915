#pragma once

#include "models/cpucalltree.h"

#include <QAbstractItemModel>

#include <memory>
#include <vector>

namespace coroscope::ui {

/// The CPU profile view's top-down and bottom-up tables (as hotspot's): a CpuCallTree as a tree
/// of function, module, self and inclusive cost with their shares of the filtered total. Which
/// tree it shows is the caller's: CpuCallTree::topDown() or bottomUp(). Sorted through a proxy
/// (SortRole). A bottom-up tree grows as rows are opened: the rows were always there for the
/// views (no insert signals), they are only found late.
class CpuTreeModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { Function, Module, Self, SelfPercent, Inclusive, InclusivePercent, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int NodeRole = Qt::UserRole + 2;     ///< the node's id in tree()
    static constexpr int FractionRole = Qt::UserRole + 3; ///< the column's share of the total, 0–1
    static constexpr int CostRole = Qt::UserRole + 4;     ///< self or inclusive cost, as a number

    explicit CpuTreeModel(QObject* parent = nullptr);
    /// Shows `tree`; `unit` names its cost in the headers ("samples", "ms").
    void setTree(std::shared_ptr<const CpuCallTree> tree, const QString& unit);
    const CpuCallTree* tree() const { return m_tree.get(); }
    /// The index (column 0) of a node of tree(); invalid for the root, which is not shown.
    QModelIndex indexOfNode(int node) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    /// Without finding a bottom-up row's callers: a view asks it of every row it shows.
    bool hasChildren(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    int nodeOf(const QModelIndex& index) const { return index.isValid() ? int(index.internalId()) : 0; }

    std::shared_ptr<const CpuCallTree> m_tree;
    QString m_unit;
};

} // namespace coroscope::ui
