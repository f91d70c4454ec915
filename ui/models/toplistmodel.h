#pragma once

#include <QAbstractTableModel>
#include <QString>
#include <QVariant>

#include <vector>

namespace coroscope::ui {

/// One of the Summary page's top-N lists (slowest callbacks, busiest tasks, most heap, worst
/// metrics): a name, its figure drawn as an inline bar against the list's largest, and a detail.
/// Each row carries where it leads (TargetRole), which the page turns into navigation.
class TopListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Value, Detail, ColumnCount };
    /// The row's figure as a fraction of the list's largest, 0..1 (BarDelegate draws it).
    static constexpr int FractionRole = Qt::UserRole + 1;
    /// Where the row leads: a task id, a slow callback's dispatch, a metric name.
    static constexpr int TargetRole = Qt::UserRole + 2;

    struct Row {
        QString name;
        double value = 0;  ///< what the bar measures (ns, bytes…)
        QString valueText; ///< the figure as shown
        QString detail;
        QVariant target;
    };

    TopListModel(QString valueTitle, QString detailTitle, QObject* parent = nullptr);
    /// Replaces the rows (already in the order to show).
    void setRows(std::vector<Row> rows);
    const std::vector<Row>& rows() const noexcept { return m_rows; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QString m_valueTitle;
    QString m_detailTitle;
    std::vector<Row> m_rows;
    double m_max = 0;
};

} // namespace coroscope::ui
