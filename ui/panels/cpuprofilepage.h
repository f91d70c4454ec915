#pragma once

#include "panels/cpuprofiletexts.h"
#include "reading/sessionreader.h"
#include "report/cpuprofileanalysis.h"
#include "report/cputimerange.h"

#include <QElapsedTimer>
#include <QWidget>

#include <cstdint>
#include <memory>
#include <optional>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTimer;
class QTreeView;

namespace coroscope::ui {

class CpuCallTree;
class CpuTreeModel;
class FlameGraph;

/// The window's CPU profile view ("Where the time goes"), laid out as hotspot's: the honesty line
/// (samples, interval, CPU time, what was lost), the filters (source, task, event type), then a
/// flame graph, a top-down and a bottom-up table, all three following the filters and the search.
/// The source is the sampled CPU time or, with the same views, the stacks caught while slow
/// callbacks blocked the loop (blockedStackProfile). A session without a profile says why.
class CpuProfilePage : public QWidget {
    Q_OBJECT
public:
    explicit CpuProfilePage(QWidget* parent = nullptr);

    /// A new view of the session (every refresh of a live run). Built while the page is on
    /// screen, while the run goes on at most once a second (and at most a tenth of the time, for
    /// a profile that takes long to merge); otherwise when it is shown.
    void setData(std::shared_ptr<const session::SessionData> data);
    /// The slow callback selected in the Event loop view (offered as a source), or none.
    void setSelectedSlowCallback(std::optional<std::uint64_t> dispatchSeq);
    /// The time range selected in the timeline: the samples (or the slow callbacks) in it only;
    /// none for the whole run.
    void setTimeRange(std::optional<TimeRange> range);
    std::optional<TimeRange> timeRange() const { return m_range; }
    /// Back to empty: nothing of a previous run stays on screen.
    void clear();
    /// Builds the views now (setData() waits while the page is hidden or was built just now).
    void refresh();

    CpuProfileSource source() const;
    void setSource(CpuProfileSource source);
    /// The profile shown (of the source chosen), unfiltered; nullptr before a session.
    const CpuProfile* profile() const { return m_profile.get(); }
    CpuProfileFilter filter() const;
    QString headerText() const;
    /// The line naming the time range shown; empty for the whole run.
    QString rangeText() const;
    /// Why nothing is drawn; empty when the views are shown.
    QString messageText() const;

    FlameGraph& flameGraph() { return *m_flame; }
    CpuTreeModel& topDownModel() { return *m_topDown; }
    CpuTreeModel& bottomUpModel() { return *m_bottomUp; }
    QTreeView& topDownView() { return *m_topDownView; }
    QTreeView& bottomUpView() { return *m_bottomUpView; }
    QComboBox& sourceBox() { return *m_source; }
    QComboBox& taskBox() { return *m_task; }
    QComboBox& eventBox() { return *m_event; }
    QLineEdit& searchField() { return *m_search; }
    QDoubleSpinBox& thresholdBox() { return *m_threshold; }
    QTabWidget& tabs() { return *m_tabs; }

Q_SIGNALS:
    /// The user asked for the whole run again (the range line's button).
    void timeRangeCleared();

protected:
    void showEvent(QShowEvent* event) override;

private:
    QTreeView* makeTree(CpuTreeModel* model, int sortColumn, bool bottomUp);
    void fillSources();
    void fillFilters();
    /// The trees for the filters: the flame graph's and the top-down table's, and the bottom-up
    /// one's while its tab is in front.
    void showTrees();
    void showBottomUp();
    void showSearchShare();
    void showRange();
    /// What the trees are of (source, task, event type): a new one opens its hottest path, the
    /// same one (a live run's next build) keeps the rows the user opened.
    QString treeKey() const;

    std::shared_ptr<const session::SessionData> m_data;
    std::shared_ptr<const CpuProfile> m_profile;
    std::shared_ptr<const CpuCallTree> m_topDownTree; ///< the flame graph's, the top-down table's
    std::optional<std::uint64_t> m_selectedBlock;
    std::optional<TimeRange> m_range;
    std::optional<std::size_t> m_blocksShown; ///< slow callbacks in the range (all blocks, a range)
    bool m_stale = false;                     ///< the session moved on since the views were built
    bool m_bottomUpStale = false;             ///< the filters changed since the bottom-up tree was built
    QElapsedTimer m_built;                    ///< when the views were last built
    qint64 m_buildMs = 0;                     ///< how long that took
    QTimer* m_later = nullptr;                ///< a live run's next build, at most once a second
    QString m_topDownKey;                     ///< treeKey() of the trees shown
    QString m_bottomUpKey;

    QLabel* m_header = nullptr;
    QWidget* m_rangeBar = nullptr;
    QLabel* m_rangeLabel = nullptr;
    QComboBox* m_source = nullptr;
    QComboBox* m_task = nullptr;
    QComboBox* m_event = nullptr;
    QLineEdit* m_search = nullptr;
    QLabel* m_matches = nullptr;
    QDoubleSpinBox* m_threshold = nullptr;
    QPushButton* m_resetZoom = nullptr;
    QStackedWidget* m_stack = nullptr;
    QLabel* m_message = nullptr;
    QTabWidget* m_tabs = nullptr;
    FlameGraph* m_flame = nullptr;
    CpuTreeModel* m_topDown = nullptr;
    CpuTreeModel* m_bottomUp = nullptr;
    QTreeView* m_topDownView = nullptr;
    QTreeView* m_bottomUpView = nullptr;
};

} // namespace coroscope::ui
