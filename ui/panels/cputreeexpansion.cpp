#include "panels/cputreeexpansion.h"

#include "models/cputreemodel.h"

#include <QSortFilterProxyModel>
#include <QTreeView>

namespace coroscope::ui {
namespace {

struct Models {
    QSortFilterProxyModel* proxy = nullptr;
    CpuTreeModel* source = nullptr;
};

Models modelsOf(const QTreeView& view) {
    auto* proxy = qobject_cast<QSortFilterProxyModel*>(view.model());
    auto* source = proxy ? qobject_cast<CpuTreeModel*>(proxy->sourceModel()) : nullptr;
    return source && source->tree() ? Models{proxy, source} : Models{};
}

void collect(const QTreeView& view, const Models& m, const QModelIndex& parent, QList<QStringList>& out) {
    for (int row = 0; row < m.proxy->rowCount(parent); ++row) {
        const QModelIndex index = m.proxy->index(row, 0, parent);
        if (!view.isExpanded(index))
            continue;
        out << m.source->tree()->path(index.data(CpuTreeModel::NodeRole).toInt());
        collect(view, m, index, out);
    }
}

} // namespace

QList<QStringList> expandedCpuPaths(const QTreeView& view) {
    QList<QStringList> paths;
    if (const Models m = modelsOf(view); m.source)
        collect(view, m, QModelIndex(), paths);
    return paths;
}

void restoreCpuExpansion(QTreeView& view, const QList<QStringList>& paths) {
    const Models m = modelsOf(view);
    if (!m.source)
        return;
    const CpuCallTree& tree = *m.source->tree();
    for (const QStringList& path : paths)
        if (const int node = tree.find(path); node > 0 && tree.path(node) == path)
            view.expand(m.proxy->mapFromSource(m.source->indexOfNode(node)));
}

void expandHottestPath(QTreeView& view, bool bySelf) {
    const Models m = modelsOf(view);
    if (!m.source)
        return;
    const CpuCallTree& tree = *m.source->tree();
    constexpr int kMaxLevels = 24;
    int at = 0;
    for (int level = 0; level < kMaxLevels; ++level) {
        const std::vector<int>& children = tree.children(at);
        const auto cost = [&](int node) {
            return bySelf && at == 0 ? tree.node(node).self : tree.node(node).total;
        };
        int heaviest = -1;
        for (const int child : children)
            if (heaviest < 0 || cost(child) > cost(heaviest))
                heaviest = child;
        if (heaviest < 0 || cost(heaviest) * 100 < tree.total() || !tree.hasChildren(heaviest))
            return;
        view.expand(m.proxy->mapFromSource(m.source->indexOfNode(heaviest)));
        at = heaviest;
    }
}

} // namespace coroscope::ui
