#include "models/slowcallbackmodel.h"

#include "model/format.h"

namespace coroscope::ui {

SlowCallbackModel::SlowCallbackModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void SlowCallbackModel::setSession(std::shared_ptr<const session::SessionData> data) {
    // A slow callback can be retracted or its stack arrive later: rows are not append-only, so a
    // new view resets the (small, bounded) table.
    beginResetModel();
    m_data = std::move(data);
    endResetModel();
}

int SlowCallbackModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_data ? 0 : int(m_data->snapshot.slowCallbacks.size());
}

int SlowCallbackModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SlowCallbackModel::data(const QModelIndex& index, int role) const {
    if (!m_data || index.row() < 0 || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const SlowCallback& c = m_data->snapshot.slowCallbacks[std::size_t(index.row())];
    switch (role) {
    case StackRole:
        return c.stack;
    case TaskIdRole:
        return qulonglong(c.taskId);
    case SortRole:
        if (index.column() == Time)
            return qlonglong(c.startNs);
        if (index.column() == Duration)
            return qlonglong(c.durationNs);
        return data(index, Qt::DisplayRole);
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(index.column() <= Duration ? Qt::AlignRight | Qt::AlignVCenter
                                                              : Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case Time:
            return QString(QStringLiteral("+") + formatDuration(c.startNs - m_data->info.startNs));
        case Duration:
            return c.ongoing ? QString(formatDuration(c.durationNs) + QStringLiteral(" (ongoing)"))
                             : formatDuration(c.durationNs);
        case Task:
            return c.taskId ? QStringLiteral("%1 #%2").arg(c.taskName).arg(c.taskId) : QString();
        case Event:
            return c.receiverClass.isEmpty() ? c.eventType
                                             : QString(c.eventType + QStringLiteral(" → ") + c.receiverClass);
        case Location:
            return c.location;
        case ColumnCount:
            break;
        }
        break;
    default:
        break;
    }
    return {};
}

QVariant SlowCallbackModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* const kTitles[] = {"Time", "Duration", "Task", "Event", "Location"};
    static_assert(std::size(kTitles) == ColumnCount);
    return section >= 0 && section < ColumnCount ? tr(kTitles[section]) : QVariant();
}

} // namespace coroscope::ui
