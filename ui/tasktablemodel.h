#pragma once

#include "session/sessionreader.h"

#include <QAbstractTableModel>

#include <memory>
#include <vector>

namespace coroscope::ui {

/// The Tasks panel's table: one row per task, in id order, the report's columns. Updated from
/// each new view of the session with the smallest change signals (rows appended, cells changed),
/// so a view keeps its selection and scroll position while a run goes on.
class TaskTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Id,
        Name,
        State,
        Parent,
        Created,
        Lifetime,
        Busy,
        Idle,
        Scheduling,
        Resumes,
        SpawnedAt,
        AwaitingOrError,
        LiveHeap,
        ColumnCount
    };
    /// Sort value of a cell (numbers as numbers), for a QSortFilterProxyModel's sortRole.
    static constexpr int SortRole = Qt::UserRole + 1;
    /// The task id of a row, whatever the column.
    static constexpr int TaskIdRole = Qt::UserRole + 2;

    explicit TaskTableModel(QObject* parent = nullptr);

    void setSession(std::shared_ptr<const session::SessionData> data);
    const TaskInfo* taskAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const session::SessionData> m_data;
    std::int64_t m_startNs = 0;
};

} // namespace coroscope::ui
