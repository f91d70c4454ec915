#include "models/spawnsitemodel.h"

namespace coroscope::ui {
namespace {

/// Whether `a` and `b` list the same sites in the same order: then a refresh only changes
/// figures, and a dataChanged keeps the view's selection and scroll position.
bool sameSites(const session::SessionData* a, const session::SessionData* b) {
    if (!a || !b || a->spawnSites.size() != b->spawnSites.size())
        return false;
    for (std::size_t i = 0; i < a->spawnSites.size(); ++i)
        if (a->spawnSites[i].location != b->spawnSites[i].location)
            return false;
    return true;
}

std::uint64_t figure(const SpawnSite& site, int column) {
    switch (column) {
    case SpawnSiteModel::Spawned:
        return site.spawned;
    case SpawnSiteModel::Completed:
        return site.byState[std::size_t(TaskState::Completed)];
    case SpawnSiteModel::Failed:
        return site.byState[std::size_t(TaskState::Failed)];
    case SpawnSiteModel::Cancelled:
        return site.byState[std::size_t(TaskState::Cancelled)];
    case SpawnSiteModel::AliveAtEnd:
        return site.liveEnd;
    case SpawnSiteModel::MostAlive:
        return site.maxLive;
    default:
        return 0;
    }
}

} // namespace

SpawnSiteModel::SpawnSiteModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void SpawnSiteModel::setSession(std::shared_ptr<const session::SessionData> data) {
    const bool same = sameSites(m_data.get(), data.get());
    if (!same)
        beginResetModel();
    m_data = std::move(data);
    if (!same)
        endResetModel();
    else if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

const SpawnSite* SpawnSiteModel::site(int row) const {
    return m_data && row >= 0 && row < rowCount() ? &m_data->spawnSites[std::size_t(row)] : nullptr;
}

int SpawnSiteModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_data ? 0 : int(m_data->spawnSites.size());
}

int SpawnSiteModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SpawnSiteModel::data(const QModelIndex& index, int role) const {
    const SpawnSite* s = site(index.row());
    if (!s || index.column() < 0 || index.column() >= ColumnCount)
        return {};
    if (role == LocationRole)
        return s->location;
    const bool isLocation = index.column() == Location;
    if (role == SortRole)
        return isLocation ? QVariant(s->location) : QVariant(qulonglong(figure(*s, index.column())));
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue(isLocation ? Qt::AlignLeft | Qt::AlignVCenter
                                              : Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && isLocation)
        return s->location.isEmpty() ? tr("The spawn's place in the code was not recorded.")
                                     : tr("%1 — double-click to show it in the script").arg(s->location);
    if (role != Qt::DisplayRole)
        return {};
    if (isLocation)
        return s->location.isEmpty() ? tr("(unknown)") : s->location;
    return qulonglong(figure(*s, index.column()));
}

QVariant SpawnSiteModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    static const char* const kTitles[] = {
        "Location",          "Spawned", "Completed", "Failed", "Cancelled", "Alive at main's end",
        "Most alive at once"};
    static_assert(std::size(kTitles) == ColumnCount);
    if (role == Qt::DisplayRole)
        return tr(kTitles[section]);
    if (role == Qt::ToolTipRole && section == AliveAtEnd)
        return tr("Still alive when main returned, before shutdown cancelled anything: a leak suspect");
    return {};
}

} // namespace coroscope::ui
