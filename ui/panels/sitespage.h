#pragma once

#include "reading/sessionreader.h"

#include <QWidget>

#include <memory>

class QChartView;
class QLabel;
class QLineSeries;
class QAbstractItemModel;
class QTableView;
class QValueAxis;

namespace coroscope::ui {

class AwaitSiteModel;
class SpawnSiteModel;

/// The "Await & spawn sites" page (docs/user-guide.md, "Await sites" and "Spawn sites"): where
/// tasks waited, by total time suspended, and where tasks were spawned, the ones still alive when
/// main returned first, with the live count over time of the spawn site selected. The same
/// tables as the HTML report's, sortable, and a double-click leads to the line in the script.
class SitesPage : public QWidget {
    Q_OBJECT
public:
    explicit SitesPage(QWidget* parent = nullptr);

    /// A new view of the session (every refresh, also while a run goes on): the sort and the
    /// selected rows stay, as long as their sites are still there. nullptr: nothing to show.
    void setData(std::shared_ptr<const session::SessionData> data);

    AwaitSiteModel& awaitSites() { return *m_awaitModel; }
    SpawnSiteModel& spawnSites() { return *m_spawnModel; }
    QTableView& awaitView() { return *m_awaitView; }
    QTableView& spawnView() { return *m_spawnView; }
    QChartView& liveChart() { return *m_chart; }
    /// The selected spawn site's live count: (seconds since the run's start, tasks alive), as steps.
    QLineSeries& liveSeries() { return *m_live; }
    /// The sentence above each table: what it shows, or why it is empty.
    QString awaitNote() const;
    QString spawnNote() const;
    /// The location of the spawn site whose live count the chart shows ("" if none).
    QString chartedLocation() const { return m_chartedLocation; }

Q_SIGNALS:
    /// A row was double-clicked; `location` is its "file:line".
    void locationActivated(const QString& location);

private:
    QTableView* addTable(QAbstractItemModel* model, int sortRole);
    void restoreSelection(QTableView* view, int keyRole, const QString& key);
    void showLiveCount();

    std::shared_ptr<const session::SessionData> m_data;
    AwaitSiteModel* m_awaitModel = nullptr;
    SpawnSiteModel* m_spawnModel = nullptr;
    QTableView* m_awaitView = nullptr;
    QTableView* m_spawnView = nullptr;
    QLabel* m_awaitNote = nullptr;
    QLabel* m_spawnNote = nullptr;
    QWidget* m_spawnBody = nullptr; ///< the spawn table and the chart, hidden when there is no site
    QChartView* m_chart = nullptr;
    QLineSeries* m_live = nullptr;
    QValueAxis* m_x = nullptr;
    QValueAxis* m_y = nullptr;
    QString m_chartedLocation;
    bool m_awaitColumnsSized = false; ///< sized to their contents once: later the user's widths stay
    bool m_spawnColumnsSized = false;
};

} // namespace coroscope::ui
