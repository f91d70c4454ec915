#pragma once

#include "reading/sessionreader.h"

#include <QAbstractTableModel>

#include <memory>

namespace coroscope::ui {

/// The Latency panel's table: one row per metric (measure()/record()), then the loop lag, with
/// count, mean, min, p50, p90, p95, p99, p99.9 and max.
class LatencyModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Count, Mean, Min, P50, P90, P95, P99, P999, Max, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;
    /// The metric's name ("" for the loop lag row).
    static constexpr int MetricRole = Qt::UserRole + 2;

    explicit LatencyModel(QObject* parent = nullptr);
    void setSession(std::shared_ptr<const session::SessionData> data);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    const Histogram* histogramAt(int row) const;
    std::shared_ptr<const session::SessionData> m_data;
};

} // namespace coroscope::ui
