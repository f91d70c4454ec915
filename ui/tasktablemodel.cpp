#include "tasktablemodel.h"

#include "format.h"

namespace coroscope::ui {
namespace {

bool sameRow(const TaskInfo& a, const TaskInfo& b) {
    return a.state == b.state && a.busyNs == b.busyNs && a.idleNs == b.idleNs && a.schedNs == b.schedNs &&
           a.resumes == b.resumes && a.finishedNs == b.finishedNs && a.liveBytes == b.liveBytes &&
           a.awaiting == b.awaiting && a.error == b.error && a.name == b.name;
}

} // namespace

TaskTableModel::TaskTableModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void TaskTableModel::setSession(std::shared_ptr<const session::SessionData> data) {
    const std::vector<TaskInfo>* before = m_data ? &m_data->snapshot.tasks : nullptr;
    const std::vector<TaskInfo>& after = data->snapshot.tasks;
    // Tasks come in id order and are never removed from a session: a newer view appends rows and
    // changes cells. Anything else (another session) is a reset.
    const bool grows = before && after.size() >= before->size() &&
                       (before->empty() || (after[before->size() - 1].id == before->back().id &&
                                            after.front().id == before->front().id));
    if (!grows) {
        beginResetModel();
        m_data = std::move(data);
        m_startNs = m_data->info.startNs;
        endResetModel();
        return;
    }
    const auto oldRows = int(before->size());
    int firstChanged = -1, lastChanged = -1;
    for (int row = 0; row < oldRows; ++row)
        if (!sameRow((*before)[std::size_t(row)], after[std::size_t(row)])) {
            if (firstChanged < 0)
                firstChanged = row;
            lastChanged = row;
        }
    const auto newRows = int(after.size());
    const auto keep = m_data; // `before` points into it until the swap
    if (newRows > oldRows) {
        beginInsertRows({}, oldRows, newRows - 1);
        m_data = std::move(data);
        endInsertRows();
    } else {
        m_data = std::move(data);
    }
    m_startNs = m_data->info.startNs;
    if (firstChanged >= 0)
        Q_EMIT dataChanged(index(firstChanged, 0), index(lastChanged, ColumnCount - 1));
}

const TaskInfo* TaskTableModel::taskAt(int row) const {
    if (!m_data || row < 0 || row >= int(m_data->snapshot.tasks.size()))
        return nullptr;
    return &m_data->snapshot.tasks[std::size_t(row)];
}

int TaskTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_data ? 0 : int(m_data->snapshot.tasks.size());
}

int TaskTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TaskTableModel::data(const QModelIndex& index, int role) const {
    const TaskInfo* t = taskAt(index.row());
    if (!t || index.column() < 0 || index.column() >= ColumnCount)
        return {};
    if (role == TaskIdRole)
        return qulonglong(t->id);
    const std::int64_t lifetime = t->finishedNs < 0 ? -1 : t->finishedNs - t->createdNs;
    if (role == SortRole) {
        switch (Column(index.column())) {
        case Id:
            return qulonglong(t->id);
        case Parent:
            return qulonglong(t->parentId);
        case Created:
            return qlonglong(t->createdNs);
        case Lifetime:
            return lifetime < 0 ? std::numeric_limits<qlonglong>::max() : qlonglong(lifetime);
        case Busy:
            return qlonglong(t->busyNs);
        case Idle:
            return qlonglong(t->idleNs);
        case Scheduling:
            return qlonglong(t->schedNs);
        case Resumes:
            return t->resumes;
        case LiveHeap:
            return qlonglong(t->liveBytes);
        default:
            break; // text columns sort by their text
        }
        role = Qt::DisplayRole;
    }
    if (role == Qt::TextAlignmentRole) {
        const bool text = index.column() == Name || index.column() == State || index.column() == SpawnedAt ||
                          index.column() == AwaitingOrError;
        return QVariant::fromValue(text ? Qt::AlignLeft | Qt::AlignVCenter
                                        : Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole && index.column() == AwaitingOrError)
        return t->error.isEmpty() ? t->awaiting : t->error;
    if (role != Qt::DisplayRole)
        return {};
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
    case ColumnCount:
        break;
    }
    return {};
}

QVariant TaskTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* const kTitles[] = {
        "ID",   "Name",       "State",   "Parent",     "Created",          "Lifetime", "Busy",
        "Idle", "Scheduling", "Resumes", "Spawned at", "Awaiting / error", "Live heap"};
    static_assert(std::size(kTitles) == ColumnCount);
    return section >= 0 && section < ColumnCount ? tr(kTitles[section]) : QVariant();
}

} // namespace coroscope::ui
