#pragma once

class QAbstractItemModel;
class QTableView;
class QWidget;

namespace coroscope::ui {

/// A read-only table of `model` that sorts by `sortRole` when a header is clicked (through a
/// proxy owned by `parent`): whole rows selected one at a time, no row numbers. The caller sets
/// the initial sort and how the columns stretch.
QTableView* sortedTableView(QAbstractItemModel* model, int sortRole, QWidget* parent);

} // namespace coroscope::ui
