#pragma once

#include "reading/sessionreader.h"

#include <QAbstractTableModel>

#include <memory>

namespace coroscope::ui {

/// The Await & spawn sites page's lower table: one row per place tasks were spawned, with how
/// their tasks ended and how many were alive. Rows come in the session's order (alive at main's
/// end, then spawned): the leak suspects first.
class SpawnSiteModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Location, Spawned, Completed, Failed, Cancelled, AliveAtEnd, MostAlive, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;
    /// The site's "file:line" ("" when unknown), whatever the column.
    static constexpr int LocationRole = Qt::UserRole + 2;

    explicit SpawnSiteModel(QObject* parent = nullptr);
    void setSession(std::shared_ptr<const session::SessionData> data);
    /// The site of a source row, or nullptr.
    const SpawnSite* site(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const session::SessionData> m_data;
};

} // namespace coroscope::ui
