#pragma once

#include "reading/sessionreader.h"

#include <QAbstractTableModel>

#include <memory>

namespace coroscope::ui {

/// The Await & spawn sites page's upper table: one row per await site (a place in the code and
/// what it awaited), with how often and how long tasks were suspended there. Shown sorted by
/// total time (the view's proxy sorts on SortRole: durations are text for the eye, numbers for
/// the sort).
class AwaitSiteModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Location, Awaited, Count, Total, P50, P90, P99, Max, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;
    /// The site's "file:line" ("" when unknown), whatever the column.
    static constexpr int LocationRole = Qt::UserRole + 2;
    /// Location and awaited together: what tells two rows apart across refreshes.
    static constexpr int KeyRole = Qt::UserRole + 3;

    explicit AwaitSiteModel(QObject* parent = nullptr);
    void setSession(std::shared_ptr<const session::SessionData> data);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const session::SessionData> m_data;
};

} // namespace coroscope::ui
