#pragma once

#include "reading/sessionreader.h"

#include <QScrollArea>

#include <cstdint>
#include <vector>

class QGridLayout;
class QLabel;
class QTableView;
class QTreeView;

namespace coroscope::ui {

class TopListModel;
class VerdictModel;

/// The first view of a run, in the spirit of heaptrack_gui's Summary: whether the loop is blocked
/// right now, the headline figures (max lag and the worst block among them), the verdicts grouped
/// by rule and place, and top-N lists with inline bars — slowest callbacks, busiest tasks, most
/// heap, worst metrics. Every row leads to its place through the signals.
class SummaryPage : public QScrollArea {
    Q_OBJECT
public:
    static constexpr int kTopRows = 5;

    explicit SummaryPage(QWidget* parent = nullptr);

    /// A new view of the session. `running`: a runner is writing it now (so a block that is
    /// ongoing is one *now*, and "no problem found" is only "yet").
    void setSession(const session::SessionData& data, bool running);
    /// The tasks that ran the longest and that hold the most heap (read off the GUI thread).
    void setTopTasks(std::vector<TaskInfo> busiest, std::vector<TaskInfo> mostHeap);
    /// Back to empty: nothing of a previous run stays on screen.
    void clear(const QString& message = {});

    /// The page as text (figures as "Caption: value" lines), for tests and the status line.
    QString text() const;
    VerdictModel& verdicts() { return *m_verdictModel; }
    QTreeView& verdictView() { return *m_verdictView; }
    TopListModel& slowest() { return *m_slowest; }
    TopListModel& busiest() { return *m_busiest; }
    TopListModel& mostHeap() { return *m_mostHeap; }
    TopListModel& worstMetrics() { return *m_worstMetrics; }

Q_SIGNALS:
    void slowCallbackActivated(std::uint64_t dispatchSeq);
    void taskActivated(std::uint64_t taskId);
    void metricActivated(const QString& metric);
    /// A verdict with a script line (`location` is "file:line").
    void locationActivated(const QString& location, std::uint64_t taskId);

private:
    struct Figure {
        QString name;   ///< "Worst block"
        QString detail; ///< what goes with the value ("suspect_coro #3"), may be empty
        QLabel* value = nullptr;
        QLabel* caption = nullptr; ///< shows name · detail
    };
    Figure addFigure(QGridLayout* grid, int at, const QString& caption, const QString& tip);
    void setFigure(Figure& figure, const QString& value, const QString& detail = {});
    QTableView* addTopList(QGridLayout* grid, int at, const QString& title, TopListModel* model);

    QLabel* m_blocked = nullptr;
    QLabel* m_title = nullptr;
    QLabel* m_incomplete = nullptr;
    std::vector<Figure> m_figures;
    VerdictModel* m_verdictModel = nullptr;
    QTreeView* m_verdictView = nullptr;
    QLabel* m_noVerdict = nullptr;
    TopListModel* m_slowest = nullptr;
    TopListModel* m_busiest = nullptr;
    TopListModel* m_mostHeap = nullptr;
    TopListModel* m_worstMetrics = nullptr;
};

} // namespace coroscope::ui
