#include "models/awaitsitemodel.h"

#include "model/format.h"

#include <cmath>

namespace coroscope::ui {
namespace {

QString keyOf(const AwaitSiteStats& site) {
    return awaitSiteKey(site.awaited, site.location);
}

/// Whether `a` and `b` list the same sites in the same order: then a refresh only changes
/// figures, and a dataChanged keeps the view's selection and scroll position.
bool sameSites(const session::SessionData* a, const session::SessionData* b) {
    if (!a || !b || a->snapshot.awaitSites.size() != b->snapshot.awaitSites.size())
        return false;
    for (std::size_t i = 0; i < a->snapshot.awaitSites.size(); ++i)
        if (keyOf(a->snapshot.awaitSites[i]) != keyOf(b->snapshot.awaitSites[i]))
            return false;
    return true;
}

} // namespace

AwaitSiteModel::AwaitSiteModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void AwaitSiteModel::setSession(std::shared_ptr<const session::SessionData> data) {
    const bool same = sameSites(m_data.get(), data.get());
    if (!same)
        beginResetModel();
    m_data = std::move(data);
    if (!same)
        endResetModel();
    else if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int AwaitSiteModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_data ? 0 : int(m_data->snapshot.awaitSites.size());
}

int AwaitSiteModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AwaitSiteModel::data(const QModelIndex& index, int role) const {
    if (!m_data || index.row() < 0 || index.row() >= rowCount() || index.column() < 0 ||
        index.column() >= ColumnCount)
        return {};
    const AwaitSiteStats& site = m_data->snapshot.awaitSites[std::size_t(index.row())];
    if (role == LocationRole)
        return site.location;
    if (role == KeyRole)
        return keyOf(site);
    const Histogram& h = site.micros;
    // In µs, as the histogram holds them; Total is a double (a sum can pass 2^63 ns, not µs).
    double micros = 0;
    switch (index.column()) {
    case Count:
        micros = double(h.count());
        break;
    case Total:
        micros = h.sum();
        break;
    case P50:
        micros = double(h.percentile(50));
        break;
    case P90:
        micros = double(h.percentile(90));
        break;
    case P99:
        micros = double(h.percentile(99));
        break;
    case Max:
        micros = double(h.max());
        break;
    default:
        break;
    }
    const bool text = index.column() == Location || index.column() == Awaited;
    if (role == SortRole)
        return index.column() == Location  ? QVariant(site.location)
               : index.column() == Awaited ? QVariant(site.awaited)
                                           : QVariant(micros);
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue(text ? Qt::AlignLeft | Qt::AlignVCenter
                                        : Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == Location)
        return site.location.isEmpty() ? tr("The await's place in the code was not recorded.")
                                       : tr("%1 — double-click to show it in the script").arg(site.location);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Location:
        return site.location.isEmpty() ? tr("(unknown)") : site.location;
    case Awaited:
        return site.awaited;
    case Count:
        return qulonglong(h.count());
    default:
        return h.count() ? formatDuration(std::llround(micros * 1000.0)) : QString();
    }
}

QVariant AwaitSiteModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    static const char* const kTitles[] = {"Location", "Awaited", "Count", "Total",
                                          "p50",      "p90",     "p99",   "Max"};
    static_assert(std::size(kTitles) == ColumnCount);
    if (role == Qt::DisplayRole)
        return tr(kTitles[section]);
    if (role == Qt::ToolTipRole && section >= Total)
        return section == Total ? tr("Time suspended here, all awaits together")
                                : tr("Time suspended per await, from the suspension to the resume");
    return {};
}

} // namespace coroscope::ui
