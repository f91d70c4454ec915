#include "models/latencymodel.h"

#include "model/format.h"

namespace coroscope::ui {

LatencyModel::LatencyModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void LatencyModel::setSession(std::shared_ptr<const session::SessionData> data) {
    const bool sameRows = m_data && data && m_data->snapshot.latency.size() == data->snapshot.latency.size();
    if (!sameRows)
        beginResetModel();
    m_data = std::move(data);
    if (!sameRows)
        endResetModel();
    else if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1)); // keeps the selection
}

const Histogram* LatencyModel::histogramAt(int row) const {
    if (!m_data || row < 0)
        return nullptr;
    const auto& latency = m_data->snapshot.latency;
    if (row < int(latency.size()))
        return &latency[std::size_t(row)].micros;
    return row == int(latency.size()) ? &m_data->snapshot.loopLagMicros : nullptr;
}

int LatencyModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_data ? 0 : int(m_data->snapshot.latency.size()) + 1;
}

int LatencyModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LatencyModel::data(const QModelIndex& index, int role) const {
    const Histogram* h = histogramAt(index.row());
    if (!h || index.column() >= ColumnCount)
        return {};
    const bool isLag = index.row() == int(m_data->snapshot.latency.size());
    const QString name = isLag ? QString() : m_data->snapshot.latency[std::size_t(index.row())].name;
    if (role == MetricRole)
        return name;
    const PercentileSummary s = h->summary();
    const double values[] = {0,
                             double(s.count),
                             s.mean,
                             double(s.min),
                             double(s.p50),
                             double(s.p90),
                             double(s.p95),
                             double(s.p99),
                             double(s.p999),
                             double(s.max)};
    if (role == SortRole)
        return index.column() == Name ? QVariant(name) : QVariant(values[index.column()]);
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue(index.column() == Name ? Qt::AlignLeft | Qt::AlignVCenter
                                                          : Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    if (index.column() == Name)
        return isLag ? tr("loop lag (10 ms probe)") : name;
    if (index.column() == Count)
        return qulonglong(s.count);
    return s.count ? formatDuration(std::llround(values[index.column()] * 1000.0)) : QString();
}

QVariant LatencyModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* const kTitles[] = {"Metric", "Count", "Mean", "Min",   "p50",
                                          "p90",    "p95",   "p99",  "p99.9", "Max"};
    static_assert(std::size(kTitles) == ColumnCount);
    return section >= 0 && section < ColumnCount ? tr(kTitles[section]) : QVariant();
}

} // namespace coroscope::ui
