#include "models/tasktablemodel.h"

#include "model/format.h"
#include "run/taskstoreworker.h"

#include <QTimer>

#include <algorithm>

namespace coroscope::ui {
namespace {

// Fetched rows kept at most; beyond, the cache starts over (the views ask again for what they show).
constexpr int kMaxCachedRows = 20'000;
// Pages fetched by one job: a view scrolled far asks for a few, a scroll bar dragged for many.
constexpr std::size_t kPagesPerFetch = 8;

} // namespace

TaskTableModel::TaskTableModel(TaskStoreWorker& worker, QObject* parent)
    : QAbstractTableModel(parent)
    , m_worker(worker) {}

void TaskTableModel::setSession(const QString& path, std::int64_t startNs) {
    beginResetModel();
    m_path = path;
    m_startNs = startNs;
    m_ids.clear();
    forget();
    ++m_generation;
    endResetModel();
    startQuery(true);
}

void TaskTableModel::refresh(std::int64_t startNs, std::int64_t nowNs) {
    m_startNs = startNs; // every cell is repainted when the new order arrives
    m_query.nowNs = nowNs;
    startQuery(false);
}

void TaskTableModel::setTextFilter(const QString& text) {
    if (m_query.text == text)
        return;
    m_query.text = text;
    startQuery(true);
}

void TaskTableModel::setStateFilter(std::uint32_t mask) {
    if (m_query.stateMask == mask)
        return;
    m_query.stateMask = mask;
    startQuery(true);
}

void TaskTableModel::sort(int column, Qt::SortOrder order) {
    if (column < 0 || column >= ColumnCount)
        return;
    const auto key = Column(column);
    const bool descending = order == Qt::DescendingOrder;
    if (m_query.sortKey == key && m_query.descending == descending && !m_ids.empty())
        return;
    m_query.sortKey = key;
    m_query.descending = descending;
    // Not a reset: the rows move, and each view's selection moves with its task.
    startQuery(false);
}

void TaskTableModel::startQuery(bool reset) {
    m_resetWaiting = m_resetWaiting || reset;
    if (m_path.isEmpty())
        return;
    if (m_querying) {
        m_queryAgain = true; // coalesced: the newest wish is what runs next
        return;
    }
    m_querying = true;
    m_queryClock.start();
    const session::TaskQuery query = m_query;
    m_worker.submit<std::vector<std::uint64_t>>(
        this, [query](session::TaskStore& store) { return store.ids(query); },
        [this, query](std::vector<std::uint64_t> ids) {
            m_querying = false;
            m_lastQueryMs = m_queryClock.elapsed();
            // An order for a filter or sort since replaced is dropped; one that only lacks the
            // latest "now" is shown (a slow query under 10 Hz refreshes would never be).
            const bool stale =
                m_queryAgain && (query.text != m_query.text || query.stateMask != m_query.stateMask ||
                                 query.sortKey != m_query.sortKey || query.descending != m_query.descending);
            if (!stale) {
                const bool reset = std::exchange(m_resetWaiting, false);
                applyOrder(std::move(ids), reset);
            }
            if (std::exchange(m_queryAgain, false)) {
                // A slow query (a million rows sorted by a computed column) is not repeated back
                // to back: the worker keeps time for the pages the views ask for.
                QTimer::singleShot(std::chrono::milliseconds(std::min<std::int64_t>(m_lastQueryMs, 1000)),
                                   this, [this] { startQuery(false); });
            }
        },
        [this](const QString& message) {
            m_querying = false;
            if (std::exchange(m_queryAgain, false))
                startQuery(false);
            else
                Q_EMIT failed(message);
        });
}

void TaskTableModel::applyOrder(std::vector<std::uint64_t> ids, bool reset) {
    ++m_generation;
    m_freshPages.clear();
    if (m_cache.size() > kMaxCachedRows)
        m_cache.clear();
    const std::size_t before = m_ids.size();
    if (reset) {
        beginResetModel();
        m_ids = std::move(ids);
        forget();
        endResetModel();
        Q_EMIT queried();
        return;
    }
    const bool onlyGrew = ids.size() >= before && std::equal(m_ids.begin(), m_ids.end(), ids.begin());
    if (onlyGrew) {
        if (ids.size() > before) {
            beginInsertRows({}, int(before), int(ids.size()) - 1);
            m_ids = std::move(ids);
            endInsertRows();
        }
    } else {
        // More rows first (their ids for now: the tail of the new order), then every row moves
        // to its new place keeping the views' selections, then the rows no longer there go.
        if (ids.size() > before) {
            beginInsertRows({}, int(before), int(ids.size()) - 1);
            m_ids.insert(m_ids.end(), ids.begin() + std::ptrdiff_t(before), ids.end());
            endInsertRows();
        }
        const std::size_t newSize = ids.size();
        ids.resize(m_ids.size(), 0); // id 0 is no task: the rows about to go
        Q_EMIT layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
        const QModelIndexList persistent = persistentIndexList();
        // The few tasks views hold on to (selection, current), found in one pass over the order.
        QHash<std::uint64_t, int> rowOf;
        for (const QModelIndex& from : persistent)
            rowOf.insert(m_ids[std::size_t(from.row())], -1);
        for (std::size_t row = 0; row < newSize && !rowOf.isEmpty(); ++row)
            if (const auto it = rowOf.find(ids[row]); it != rowOf.end())
                *it = int(row);
        QModelIndexList to;
        to.reserve(persistent.size());
        for (const QModelIndex& from : persistent) {
            const int row = rowOf.value(m_ids[std::size_t(from.row())], -1);
            to << (row < 0 ? QModelIndex() : index(row, from.column()));
        }
        changePersistentIndexList(persistent, to);
        m_ids = std::move(ids);
        Q_EMIT layoutChanged({}, QAbstractItemModel::VerticalSortHint);
        if (newSize < m_ids.size()) {
            beginRemoveRows({}, int(newSize), int(m_ids.size()) - 1);
            m_ids.resize(newSize);
            endRemoveRows();
        }
    }
    // The cells may have changed: views repaint, and ask again for the pages they show.
    if (!m_ids.empty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_ids.size()) - 1, ColumnCount - 1));
    Q_EMIT queried();
}

void TaskTableModel::forget() {
    m_cache.clear();
    m_freshPages.clear();
    m_wantedPages.clear();
}

void TaskTableModel::requestPage(int page) const {
    if (m_freshPages.count(page) || !m_wantedPages.insert(page).second)
        return;
    if (!m_fetchScheduled) {
        m_fetchScheduled = true;
        // After the view's paint: every page it showed is asked for in one job.
        QTimer::singleShot(0, const_cast<TaskTableModel*>(this), &TaskTableModel::fetchWantedPages);
    }
}

void TaskTableModel::fetchWantedPages() {
    m_fetchScheduled = false;
    if (m_fetching || m_wantedPages.empty())
        return;
    std::vector<int> pages;
    std::vector<std::uint64_t> ids;
    while (!m_wantedPages.empty() && pages.size() < kPagesPerFetch) {
        const int page = *m_wantedPages.begin();
        m_wantedPages.erase(m_wantedPages.begin());
        const std::size_t first = std::size_t(page) * kPageRows;
        if (first >= m_ids.size())
            continue;
        const std::size_t last = std::min(m_ids.size(), first + kPageRows);
        ids.insert(ids.end(), m_ids.begin() + std::ptrdiff_t(first), m_ids.begin() + std::ptrdiff_t(last));
        pages.push_back(page);
    }
    if (pages.empty())
        return;
    m_fetching = true;
    m_worker.submit<std::vector<TaskInfo>>(
        this, [ids = std::move(ids)](session::TaskStore& store) { return store.tasks(ids); },
        [this, pages, generation = m_generation](std::vector<TaskInfo> tasks) {
            m_fetching = false;
            for (TaskInfo& t : tasks)
                m_cache.insert(t.id, std::move(t));
            if (generation == m_generation) {
                for (const int page : pages) {
                    m_freshPages.insert(page);
                    const int first = page * kPageRows;
                    const int last = std::min(int(m_ids.size()), first + kPageRows) - 1;
                    if (first <= last)
                        Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
                }
            } else {
                for (const int page : pages)
                    m_wantedPages.insert(page); // fetched for an older order: ask again
            }
            fetchWantedPages();
        },
        [this](const QString& message) {
            m_fetching = false;
            Q_EMIT failed(message);
        });
}

bool TaskTableModel::isSettled() const {
    return !m_querying && !m_queryAgain && !m_fetching && m_wantedPages.empty() && !m_fetchScheduled;
}

std::uint64_t TaskTableModel::taskIdAt(int row) const {
    return row >= 0 && std::size_t(row) < m_ids.size() ? m_ids[std::size_t(row)] : 0;
}

int TaskTableModel::rowOfTask(std::uint64_t id) const {
    const auto it = std::find(m_ids.begin(), m_ids.end(), id);
    return it == m_ids.end() ? -1 : int(it - m_ids.begin());
}

const TaskInfo* TaskTableModel::taskAt(int row) const {
    const std::uint64_t id = taskIdAt(row);
    if (!id)
        return nullptr;
    requestPage(row / kPageRows);
    const auto it = m_cache.constFind(id);
    return it == m_cache.cend() ? nullptr : &*it;
}

int TaskTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_ids.size());
}

int TaskTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TaskTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const std::uint64_t id = taskIdAt(index.row());
    if (role == TaskIdRole)
        return qulonglong(id);
    if (role == Qt::TextAlignmentRole) {
        const bool text = index.column() == Name || index.column() == State || index.column() == SpawnedAt ||
                          index.column() == AwaitingOrError;
        return QVariant::fromValue(text ? Qt::AlignLeft | Qt::AlignVCenter
                                        : Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    const TaskInfo* t = taskAt(index.row());
    if (!t) {
        if (role != Qt::DisplayRole)
            return {};
        return index.column() == Id     ? QVariant(qulonglong(id))
               : index.column() == Name ? QVariant(QStringLiteral("…"))
                                        : QVariant();
    }
    if (role == Qt::ToolTipRole)
        return index.column() == AwaitingOrError ? QVariant(t->error.isEmpty() ? t->awaiting : t->error)
                                                 : QVariant();
    const std::int64_t lifetime = t->finishedNs < 0 ? -1 : t->finishedNs - t->createdNs;
    switch (Column(index.column())) {
    case Id:
        return qulonglong(t->id);
    case Name:
        return t->name;
    case State:
        return taskStateLabel(t->state);
    case Parent:
        return t->parentId ? QVariant(qulonglong(t->parentId)) : QVariant(QString());
    case Created:
        return QString(QStringLiteral("+") + formatDuration(t->createdNs - m_startNs));
    case Lifetime:
        return lifetime < 0 ? QStringLiteral("running") : formatDuration(lifetime);
    case Busy:
        return formatDuration(t->busyNs);
    case Idle:
        return formatDuration(t->idleNs);
    case Scheduling:
        return formatDuration(t->schedNs);
    case Resumes:
        return t->resumes;
    case SpawnedAt:
        return t->spawnLocation;
    case AwaitingOrError:
        return t->error.isEmpty() ? t->awaiting : t->error.section(u'\n', 0, 0);
    case LiveHeap:
        return t->allocatedBytes ? formatBytes(double(t->liveBytes)) : QString();
    case AllocatedHeap:
        return t->allocatedBytes ? formatBytes(double(t->allocatedBytes)) : QString();
    case ColumnCount:
        break;
    }
    return {};
}

QVariant TaskTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* const kTitles[] = {
        "ID",   "Name",       "State",   "Parent",     "Created",          "Lifetime",  "Busy",
        "Idle", "Scheduling", "Resumes", "Spawned at", "Awaiting / error", "Live heap", "Allocated"};
    static_assert(std::size(kTitles) == ColumnCount);
    return section >= 0 && section < ColumnCount ? tr(kTitles[section]) : QVariant();
}

} // namespace coroscope::ui
