#include "panels/sortedtable.h"

#include <QHeaderView>
#include <QSortFilterProxyModel>
#include <QTableView>

namespace coroscope::ui {

QTableView* sortedTableView(QAbstractItemModel* model, int sortRole, QWidget* parent) {
    auto* proxy = new QSortFilterProxyModel(parent);
    proxy->setSourceModel(model);
    proxy->setSortRole(sortRole);
    auto* view = new QTableView(parent);
    view->setModel(proxy);
    view->setSortingEnabled(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->verticalHeader()->hide();
    return view;
}

} // namespace coroscope::ui
