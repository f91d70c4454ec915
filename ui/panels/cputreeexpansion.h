#pragma once

#include <QList>
#include <QStringList>

class QTreeView;

namespace coroscope::ui {

// A live run rebuilds the CPU profile's trees every second: the rows the user opened are kept by
// their path of names (node ids change from tree to tree). For a QTreeView over a sorting proxy
// of a CpuTreeModel.

/// The paths of the expanded rows.
QList<QStringList> expandedCpuPaths(const QTreeView& view);

/// Expands `paths` again in the view's (new) tree (those it still has).
void restoreCpuExpansion(QTreeView& view, const QList<QStringList>& paths);

/// Expands the hottest path of a tree just shown: the heaviest child, level by level, as hotspot
/// opens its trees, as long as it holds 1 % of the total or more. `bySelf`: the top level by self
/// cost (a bottom-up tree's functions: those with the most samples of their own).
void expandHottestPath(QTreeView& view, bool bySelf = false);

} // namespace coroscope::ui
