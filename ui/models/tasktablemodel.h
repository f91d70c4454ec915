#pragma once

#include "reading/taskstore.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QHash>

#include <set>
#include <vector>

namespace coroscope::ui {

class TaskStoreWorker;

/// A table of a session's tasks that stays smooth for a million of them: the database filters
/// and sorts (TaskStore::ids gives the order, 8 bytes a row), and rows are fetched a page at a
/// time when a view first shows them. A row not fetched yet shows its id and "…".
///
/// While a run goes on, refresh() queries again: rows are appended when the order only grew
/// (the usual case), otherwise the rows move with a layout change that keeps each view's
/// selection on the same task. Queries are coalesced: at most one in flight, one waiting.
class TaskTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    /// The columns, one list with what TaskStore sorts by (TaskTableModel::Name, ...).
    using Column = session::TaskColumn;
    using enum session::taskcolumn::Column;
    /// The task id of a row, whatever the column (known before the row is fetched).
    static constexpr int TaskIdRole = Qt::UserRole + 2;
    static constexpr int kPageRows = 128;

    explicit TaskTableModel(TaskStoreWorker& worker, QObject* parent = nullptr);

    /// Shows the session at `path` (whose run started at `startNs`): forgets every row.
    void setSession(const QString& path, std::int64_t startNs);
    /// The session grew (its latest time is `nowNs`; the run's start, known once the runner has
    /// written it, `startNs`): query it again.
    void refresh(std::int64_t startNs, std::int64_t nowNs);
    void setTextFilter(const QString& text);
    /// Bits (1 << TaskState); 0 shows every state.
    void setStateFilter(std::uint32_t mask);
    const session::TaskQuery& query() const noexcept { return m_query; }

    std::uint64_t taskIdAt(int row) const;
    /// The row showing task `id`, or -1.
    int rowOfTask(std::uint64_t id) const;
    /// The fetched task of a row, or nullptr (then its page is asked for).
    const TaskInfo* taskAt(int row) const;
    /// No query or page fetch in flight or waiting (tests, benchmarks).
    bool isSettled() const;
    std::int64_t startNs() const noexcept { return m_startNs; }
    /// How long the last order query took (shown to tests and the benchmark).
    std::int64_t lastQueryMs() const noexcept { return m_lastQueryMs; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

Q_SIGNALS:
    /// A query's order arrived and the rows follow it.
    void queried();
    /// A query failed (the file is gone or damaged): the message names the file and the cause.
    void failed(const QString& message);

private:
    void startQuery(bool reset);
    void applyOrder(std::vector<std::uint64_t> ids, bool reset);
    void requestPage(int page) const;
    void fetchWantedPages();
    void forget();

    TaskStoreWorker& m_worker;
    QString m_path;
    std::int64_t m_startNs = 0;
    session::TaskQuery m_query;
    std::vector<std::uint64_t> m_ids;
    std::uint64_t m_generation = 0; ///< bumped by every new order: late pages of an old one are dropped
    bool m_querying = false;
    bool m_queryAgain = false;
    bool m_resetWaiting = false;
    bool m_fetching = false;
    QElapsedTimer m_queryClock;
    std::int64_t m_lastQueryMs = 0;
    // Fetched rows by task id, and which pages of the current order are fresh. Mutable: data()
    // asks for what a view is about to show.
    mutable QHash<std::uint64_t, TaskInfo> m_cache;
    mutable std::set<int> m_freshPages;
    mutable std::set<int> m_wantedPages;
    mutable bool m_fetchScheduled = false;
};

} // namespace coroscope::ui
