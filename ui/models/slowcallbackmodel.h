#pragma once

#include "reading/sessionreader.h"

#include <QAbstractTableModel>

#include <memory>

namespace coroscope::ui {

/// The Event loop panel's table: every slow callback, in time order; selecting one shows its
/// stack (StackRole).
class SlowCallbackModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Time, Duration, Task, Event, Location, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int StackRole = Qt::UserRole + 2;
    static constexpr int TaskIdRole = Qt::UserRole + 3;

    explicit SlowCallbackModel(QObject* parent = nullptr);
    void setSession(std::shared_ptr<const session::SessionData> data);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const session::SessionData> m_data;
};

} // namespace coroscope::ui
