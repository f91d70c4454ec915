#pragma once

#include "panels/startpage.h"
#include "report/cputimerange.h"
#include "report/reportformat.h"
#include "run/runcontroller.h"
#include "run/sessiontail.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMainWindow>

#include <array>

class QAbstractItemModel;
class QLabel;
class QLineEdit;
class QComboBox;
class QListWidget;
class QPlainTextEdit;
class QTableView;
class QDockWidget;
class QMenu;
class QStackedWidget;
class QDialog;
class QTextBrowser;
class QTabWidget;
class QProgressDialog;

namespace coroscope::ui {

class TaskTableModel;
class TaskStoreWorker;
class TaskTimeline;
class SlowCallbackModel;
class LatencyModel;
class TaskMemoryChart;
class TimeChart;
class ScriptEditor;
class SlowCallbackScatter;
class TaskStateChart;
class LatencyHistogramChart;
class SummaryPage;
class CpuProfilePage;
class SitesPage;

/// Coroscope's window: open a workload script, run it in a child process, follow its session
/// live in its views (Summary, Tasks, Event loop, Latency, Memory, Script — each a tab with the
/// whole window, as in heaptrack_gui and hotspot), reopen saved sessions, export reports.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    /// The top-level views, in tab order (View menu: Ctrl+1…Ctrl+6).
    enum class View { Summary, Tasks, EventLoop, Latency, Memory, Script };

    /// `runner`: the coroscope executable that runs workloads (normally this very binary).
    explicit MainWindow(QString runner, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// A .js file or example:NAME; it runs with Run (F5).
    void openScript(const QString& script);
    /// A script or a session, by its extension; remembered in File > Recent.
    void openFile(const QString& file);
    QStringList recentFiles() const;
    /// Profiles the user's program under `coroscope launch` at once, the window following its
    /// session live (File > Profile Program…); remembered in File > Recent; Run (F5) runs it again.
    bool profileProgram(const ProgramRequest& program);
    /// The programs profiled last, newest first (File > Recent, below the files).
    QList<ProgramRequest> recentPrograms() const;
    /// Back to the default layout: the Summary in front, every splitter as it first was
    /// (View > Reset Layout).
    void resetLayout();
    /// Brings a view to the front.
    void showView(View view);
    View currentView() const;
    /// The examples the start page offers (compiled into the app binary).
    void setExamples(const QList<StartPage::Example>& examples);
    /// The settings the next Run uses (Run > Settings).
    RunRequest& runSettings() { return m_settings; }
    StartPage& startPage() { return *m_start; }
    /// Shows a saved (or growing) session; false with a message if it cannot be read.
    bool openSession(const QString& path);
    void run();
    void stop();
    /// Writes the edited script back to its file (File > Save Script); false for an example.
    bool saveScript();
    /// Selects the first slow callback that `line` of the script ran (a click in the gutter).
    void showSlowLine(int line);
    /// Shows `line` of the script in the Script view (a verdict's or a slow callback's place).
    void showScriptLine(int line);
    /// Selects the slow callback of this dispatch in the Event loop view.
    void showSlowCallback(std::uint64_t dispatchSeq);
    /// Selects a task in the Tasks panel (clearing its filters) and shows its details.
    void selectTask(std::uint64_t taskId);
    QString taskDetailText() const;
    /// docs/scripting.md, compiled in (Help > Scripting Reference).
    static QString scriptingReference();
    void showScriptingReference();
    SummaryPage& summary() { return *m_summary; }
    /// The CPU profile view: a tab after Script (not a View: the View menu and the charts'
    /// switches over View stay as they are).
    CpuProfilePage& cpuProfilePage() { return *m_cpuPage; }
    /// A time range of the run (the Tasks timeline's selection): shaded there, and the CPU
    /// profile shows only it; none for the whole run.
    void selectTimeRange(std::optional<TimeRange> range);
    SitesPage& sitesPage() { return *m_sites; }
    ScriptEditor& scriptEditor() { return *m_source; }
    QTableView& slowCallbackView() { return *m_slowView; }
    /// Reads and compares two sessions off the GUI thread, then shows the comparison.
    void compareSessions(const QString& a, const QString& b);
    /// Writes the shown session as a report (format from the extension), reading and rendering
    /// it on a worker thread behind a progress dialog; exported() tells how it went.
    void exportReport(const QString& path);
    /// Copies the shown session's file to `path` (File > Save Session As…), off the GUI thread;
    /// sessionSaved() tells how it went.
    void saveSessionAs(const QString& path);

    // For tests and the status bar.
    RunController& runner() { return *m_runner; }
    SessionTail& tail() { return *m_tail; }
    TaskTableModel& taskModel() { return *m_tasks; }
    TaskTableModel& heapTaskModel() { return *m_heapTasks; }
    TaskTimeline& timeline() { return *m_timeline; }
    TaskStoreWorker& taskStore() { return *m_taskStore; }
    QTabWidget& taskTabs() { return *m_taskTabs; }
    SlowCallbackModel& slowCallbackModel() { return *m_slow; }
    LatencyModel& latencyModel() { return *m_latency; }
    TimeChart& lagChart() { return *m_lagChart; }
    TimeChart& memoryChart() { return *m_memoryChart; }
    TaskMemoryChart& taskMemoryChart() { return *m_taskMemoryChart; }
    TimeChart& metricChart() { return *m_metricChart; }
    SlowCallbackScatter& slowScatter() { return *m_slowScatter; }
    TaskStateChart& stateChart() { return *m_stateChart; }
    LatencyHistogramChart& histogramChart() { return *m_histogramChart; }
    QString bannerText() const;
    /// The Summary page as text (its figures as "Caption: value" lines).
    QString overviewText() const;
    /// The stack pane of the Event loop view, as shown (runtime frames at the top folded).
    QString stackText() const;
    QString scriptText() const;
    QString logText() const;

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

Q_SIGNALS:
    /// The comparison dialog is open (for tests).
    void compared(QDialog* dialog);
    /// A report was written to `path` (`error` empty), or was not (`error` says why).
    void exported(const QString& path, const QString& error);
    void sessionSaved(const QString& path, const QString& error);

private:
    // Public members live where their topic does: mainwindow.cpp (opening, running, the session
    // shown), mainwindowstate.cpp (layout, recent files, drag and drop, help), mainwindowtasks.cpp
    // (selectTask), mainwindownavigation.cpp (compare, save script, slow lines),
    // mainwindowexport.cpp (reports, Save Session As).

    // mainwindow.cpp: the panels, the session shown, the status bar
    void buildPanels();
    void showSession(std::shared_ptr<const session::SessionData> data);
    /// Forgets the session shown: every view empty, so nothing of a previous run or file stays
    /// on screen next to a new one. `message` goes where the Summary's title was.
    void clearShown(const QString& message);
    /// Asks the task store for the Summary's busiest and heaviest tasks (coalesced, at most
    /// once a second while a run goes on).
    void requestTopTasks();
    void showStatus();
    QString newSessionPath() const;
    // mainwindowstate.cpp: layout, recent files, About
    void restoreLayout();
    void saveLayout() const;
    void addRecent(const QString& file);
    void showRecent();
    void about();
    // mainwindowmenus.cpp
    void buildActions();
    // mainwindownavigation.cpp
    /// A warning in a window-modal box that does not block the caller (an async result's error).
    void warnLater(const QString& title, const QString& text);
    // mainwindowloop.cpp: the Event loop view
    QWidget* buildLoopView();
    void showStack(const QModelIndex& current);
    // mainwindowtasks.cpp: the Tasks view
    QWidget* buildTasksView();
    QTableView* makeTaskTable(TaskTableModel* model);
    void followTasks(const session::SessionData& data);
    void showTaskDetail();
    // mainwindowcharts.cpp: the Latency and Memory panels, the charts
    QWidget* buildLatencyView();
    QWidget* buildMemoryView();
    /// Draws the charts (and the latency table) of `view` from m_data: only a view in front is
    /// drawn while a run goes on, the others when they come to the front.
    void showCharts(View view);
    /// Whether the charts of `view` are on screen now (the Tasks view's only with its tab).
    bool chartsOnScreen(View view) const;
    /// showCharts() for the view in front if the session moved on since it was last drawn.
    void showChartsIfStale();
    /// showCharts(view) if the session moved on since it was last drawn.
    void showChartsIfStale(View view);
    /// Draws the views whose charts are stale, one per loop turn (a finished session's).
    void drawStaleChartsLater();
    void showMetricChart();
    /// A table over `model` through a sorting proxy (sorted by `sortRole`), one row selected.
    QTableView* sortedTable(QAbstractItemModel* model, int sortRole);

    // Menus, dialogs, export (mainwindowmenus.cpp, mainwindowexport.cpp)
public:
    /// Opens the built-in example NAME (what File > Examples and example:NAME do): its source
    /// shown, read-only, ready to Run. False, with a status message, for a name no example has.
    bool openExample(const QString& name);
    /// File > Examples: one entry per built-in example (setExamples()).
    QMenu& examplesMenu() { return *m_examplesMenu; }
    /// File > Recent: the recent files, then the recent programs.
    QMenu& recentMenu() { return *m_recentMenu; }
    /// Where File > Export Report starts: the directory last exported to (else home), and the
    /// script's base name with today's date, without an extension (the chosen filter adds it).
    QString suggestedReportPath() const;
    /// The report the last export wrote, which the status bar offers to open; empty before one.
    QString writtenReport() const { return m_writtenReport; }
    /// Opens writtenReport() with the desktop's handler for it (QDesktopServices::openUrl).
    bool openWrittenReport();

private:
    void openScriptInteractively();
    void openExampleInteractively();
    void openExampleOrWarn(const QString& name);
    void openSessionInteractively();
    void profileProgramInteractively();
    void addRecentProgram(const ProgramRequest& program);
    void exportInteractively();
    void editRunSettings();
    void compareInteractively();
    void offerWrittenReport(const QString& path);
    QList<StartPage::Example> m_examples;
    QMenu* m_examplesMenu = nullptr;
    QWidget* m_reportOffer = nullptr;
    QString m_writtenReport;

    QString m_script;
    std::unique_ptr<RunController> m_runner;
    std::unique_ptr<SessionTail> m_tail;
    std::shared_ptr<const session::SessionData> m_data;
    TaskTableModel* m_tasks = nullptr;
    SlowCallbackModel* m_slow = nullptr;
    TaskStoreWorker* m_taskStore = nullptr;
    TaskTableModel* m_heapTasks = nullptr;
    TaskTimeline* m_timeline = nullptr;
    QTabWidget* m_taskTabs = nullptr;
    std::uint64_t m_taskToSelect = 0;
    QLabel* m_banner = nullptr;
    SummaryPage* m_summary = nullptr;
    CpuProfilePage* m_cpuPage = nullptr;
    SitesPage* m_sites = nullptr;
    QTabWidget* m_views = nullptr;
    bool m_topTasksPending = false;
    bool m_topTasksAgain = false;
    std::array<bool, 6> m_chartsStale{}; ///< by View: the session moved on since its charts were drawn
    bool m_staleChartsQueued = false;    ///< drawStaleChartsLater() has a loop turn queued
    QString m_runSession;                ///< the session the last run started writes
    std::size_t m_logLinesShown = 0;     ///< of a saved session's log (a live run's comes from its output)
    QElapsedTimer m_topTasksClock;
    QLineEdit* m_taskText = nullptr;
    QComboBox* m_taskState = nullptr;
    QTableView* m_slowView = nullptr;
    QPlainTextEdit* m_stack = nullptr;
    LatencyModel* m_latency = nullptr;
    QTableView* m_latencyView = nullptr;
    QTableView* m_heapView = nullptr;
    TimeChart* m_lagChart = nullptr;
    TimeChart* m_metricChart = nullptr;
    TimeChart* m_memoryChart = nullptr;
    TaskMemoryChart* m_taskMemoryChart = nullptr;
    SlowCallbackScatter* m_slowScatter = nullptr;
    TaskStateChart* m_stateChart = nullptr;
    LatencyHistogramChart* m_histogramChart = nullptr;
    ScriptEditor* m_source = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QLabel* m_statusRun = nullptr;
    QAction* m_runAction = nullptr;
    QAction* m_stopAction = nullptr;
    std::unique_ptr<QElapsedTimer> m_elapsed;
    QMenu* m_recentMenu = nullptr;
    QByteArray m_defaultState;
    QHash<QString, QByteArray> m_defaultSplitters; ///< by objectName: Reset Layout's sizes
    StartPage* m_start = nullptr;
    QStackedWidget* m_pages = nullptr;
    RunRequest m_settings;
    std::optional<ProgramRequest> m_program; ///< what Run profiles instead of a script
    QTableView* m_taskView = nullptr;
    QTextBrowser* m_taskDetail = nullptr;
    std::uint64_t m_selectedTask = 0;
    std::shared_ptr<const session::SessionData> m_previous;
    double m_resumesPerSecond = 0;
    QElapsedTimer m_chartClock;
};

} // namespace coroscope::ui
