#include "mainwindow/mainwindow.h"

#include "charts/eventcharts.h"
#include "charts/timechart.h"
#include "dialogs/comparedialog.h"
#include "dialogs/runsettingsdialog.h"
#include "model/format.h"
#include "models/slowcallbackmodel.h"
#include "models/tasktablemodel.h"
#include "panels/scripteditor.h"
#include "panels/startpage.h"
#include "report/incompletedata.h"
#include "report/scriptlocation.h"
#include "run/taskstoreworker.h"

#include <QAction>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace coroscope::ui {
namespace {

QTableView* makeTable(QAbstractItemModel* model, QWidget* parent) {
    auto* view = new QTableView(parent);
    view->setModel(model);
    view->setSortingEnabled(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setAlternatingRowColors(true);
    view->verticalHeader()->hide();
    view->horizontalHeader()->setStretchLastSection(true);
    return view;
}

QWidget* column(QWidget* parent, std::initializer_list<QWidget*> widgets) {
    auto* box = new QWidget(parent);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(4, 4, 4, 4);
    for (QWidget* w : widgets)
        layout->addWidget(w);
    return box;
}

} // namespace

MainWindow::MainWindow(QString runner, QWidget* parent)
    : QMainWindow(parent)
    , m_runner(std::make_unique<RunController>(std::move(runner)))
    , m_tail(std::make_unique<SessionTail>())
    , m_elapsed(std::make_unique<QElapsedTimer>())
    , m_taskStore(new TaskStoreWorker(this)) {
    setWindowTitle(tr("Coroscope"));
    setObjectName(QStringLiteral("MainWindow"));
    buildPanels();
    buildActions();
    connect(m_tail.get(), &SessionTail::updated, this, &MainWindow::showSession);
    connect(m_tail.get(), &SessionTail::failed, this, [this](const QString& message) {
        statusBar()->showMessage(message);
        if (isVisible() && !m_runner->isRunning())
            warnLater(tr("Open Session"), message);
    });
    connect(m_runner.get(), &RunController::output, this, [this](const QString& line, bool isError) {
        if (!isError)
            m_log->appendPlainText(line);
    });
    connect(m_runner.get(), &RunController::finished, this, [this](const RunOutcome& outcome) {
        m_tail->finalRead(); // the runner's last batch
        const QString banner = outcome.banner();
        m_banner->setText(banner);
        m_banner->setVisible(!banner.isEmpty());
        showStatus();
    });
    auto* statusTimer = new QTimer(this);
    connect(statusTimer, &QTimer::timeout, this, &MainWindow::showStatus);
    statusTimer->start(500);
    showStatus();
    resize(1280, 800);
    setAcceptDrops(true);
    restoreLayout();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildPanels() {
    // Overview, in the middle: the headline figures and the verdicts.
    m_banner = new QLabel(this);
    m_banner->setObjectName(QStringLiteral("banner"));
    m_banner->setWordWrap(true);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #ffebe9; color: #82071e; padding: 8px; }"));
    m_banner->hide();
    m_overview = new QLabel(tr("Open a workload script (Ctrl+O) and run it (F5), or open a session."), this);
    m_overview->setWordWrap(true);
    m_overview->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_verdicts = new QListWidget(this);
    m_verdicts->setWordWrap(true); // a verdict is a sentence: all of it, not its first 80 characters
    // A verdict leads to what it is about: its script line, or its task.
    connect(m_verdicts, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        const int line = m_data ? lineInScript(item->data(Qt::UserRole + 1).toString(),
                                               scriptFileName(m_data->info.script))
                                : 0;
        if (line > 0)
            showSlowLine(line);
        else if (const qulonglong task = item->data(Qt::UserRole).toULongLong())
            selectTask(task);
    });
    m_start = new StartPage(this);
    m_pages = new QStackedWidget(this);
    m_pages->addWidget(m_start);
    m_pages->addWidget(column(this, {m_banner, m_overview, m_verdicts}));
    setCentralWidget(m_pages);
    connect(m_start, &StartPage::runExample, this, [this](const QString& script) {
        openFile(script);
        run();
    });
    connect(m_start, &StartPage::openFile, this, &MainWindow::openFile);

    auto addDock = [this](const QString& title, const QString& name, QWidget* content,
                          Qt::DockWidgetArea area) {
        auto* dock = new QDockWidget(title, this);
        dock->setObjectName(name);
        dock->setWidget(content);
        addDockWidget(area, dock);
        return dock;
    };

    QDockWidget* tasksDock = buildTasksDock();
    addDockWidget(Qt::BottomDockWidgetArea, tasksDock);

    // Event loop: the slow callbacks and the stack of the selected one.
    m_slow = new SlowCallbackModel(this);
    auto* slowSorted = new QSortFilterProxyModel(this);
    slowSorted->setSourceModel(m_slow);
    slowSorted->setSortRole(SlowCallbackModel::SortRole);
    m_slowView = makeTable(slowSorted, this);
    m_stack = new QPlainTextEdit(this);
    m_stack->setReadOnly(true);
    m_stack->setPlaceholderText(tr("Select a slow callback to see the stack captured while it blocked."));
    m_stack->setFont(QFont(QStringLiteral("monospace")));
    connect(m_slowView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                m_stack->setPlainText(current.data(SlowCallbackModel::StackRole).toString());
            });
    m_lagChart = new TimeChart(tr("Loop lag per 100 ms"), tr("ms"), this);
    auto* loopSplit = new QSplitter(Qt::Vertical, this);
    loopSplit->addWidget(m_lagChart);
    m_slowScatter = new SlowCallbackScatter(this);
    connect(m_slowScatter, &SlowCallbackScatter::pointClicked, this, [this](int row) {
        auto* proxy = static_cast<QSortFilterProxyModel*>(m_slowView->model());
        m_slowView->setCurrentIndex(proxy->mapFromSource(m_slow->index(row, 0)));
    });
    loopSplit->addWidget(m_slowScatter);
    loopSplit->addWidget(m_slowView);
    loopSplit->addWidget(m_stack);
    loopSplit->setSizes({220, 200, 120, 120});
    QDockWidget* loopDock =
        addDock(tr("Event loop"), QStringLiteral("EventLoopDock"), loopSplit, Qt::RightDockWidgetArea);

    // Script and the runner's log.
    m_source = new ScriptEditor(this);
    connect(m_source, &ScriptEditor::slowLineClicked, this, &MainWindow::showSlowLine);
    m_log = new QPlainTextEdit(this);
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(10'000);
    m_log->setPlaceholderText(tr("The script's log() lines appear here."));
    m_stack->setLineWrapMode(QPlainTextEdit::NoWrap);
    QDockWidget* scriptDock = addDock(tr("Script"), QStringLiteral("ScriptDock"),
                                      column(this, {m_source, m_log}), Qt::LeftDockWidgetArea);
    QDockWidget* latencyDock = buildLatencyDock();
    addDockWidget(Qt::BottomDockWidgetArea, latencyDock);
    QDockWidget* memoryDock = buildMemoryDock();
    addDockWidget(Qt::BottomDockWidgetArea, memoryDock);
    tabifyDockWidget(tasksDock, latencyDock);
    tabifyDockWidget(latencyDock, memoryDock);
    tasksDock->raise();
    // A sensible default at 1280x800: the tables get the room, the overview what is left.
    resizeDocks({scriptDock, loopDock}, {380, 520}, Qt::Horizontal);
    resizeDocks({tasksDock}, {320}, Qt::Vertical);

    m_statusRun = new QLabel(this);
    m_statusRun->setMinimumWidth(m_statusRun->fontMetrics().horizontalAdvance(
        QStringLiteral("Session: duration-elapsed · 9999999 events dropped")));
    statusBar()->addPermanentWidget(m_statusRun);
}

void MainWindow::openScript(const QString& script) {
    m_script = script;
    setWindowTitle(tr("%1 — Coroscope").arg(QFileInfo(script).fileName()));
    QFile file(script);
    m_source->setPlainText(file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString());
    // A script file can be edited and saved (File > Save Script); an example is read-only.
    m_source->setReadOnly(!file.isOpen());
    m_source->document()->setModified(false);
    m_overview->setText(tr("%1: press Run (F5).").arg(script));
    m_pages->setCurrentIndex(1);
    showStatus();
}

bool MainWindow::openSession(const QString& path) {
    if (!QFileInfo(path).isFile()) {
        statusBar()->showMessage(tr("%1: no such file").arg(path));
        return false;
    }
    // Read on the tail's worker (a damaged file is reported by SessionTail::failed); a session
    // still being written keeps growing.
    m_tail->follow(path);
    return true;
}

QString MainWindow::newSessionPath() const {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                        QStringLiteral("/coroscope/sessions");
    QDir().mkpath(dir);
    QString base = QFileInfo(m_script.section(u':', -1)).completeBaseName();
    base += QDateTime::currentDateTime().toString(QStringLiteral("-yyyyMMdd-HHmmss-zzz"));
    return dir + u'/' + base + QStringLiteral(".coroscope");
}

void MainWindow::run() {
    if (m_script.isEmpty() || m_runner->isRunning())
        return;
    const QString session = newSessionPath();
    m_log->clear();
    m_banner->hide();
    RunRequest request = m_settings;
    request.script = m_script;
    request.session = session;
    if (!m_runner->start(request)) {
        statusBar()->showMessage(m_runner->error());
        return;
    }
    m_elapsed->start();
    m_tail->follow(session, SessionTail::Source::LiveRunner);
    showStatus();
}

void MainWindow::stop() {
    m_runner->stop();
}

void MainWindow::showSession(std::shared_ptr<const session::SessionData> data) {
    m_data = data;
    m_pages->setCurrentIndex(1);
    followTasks(*data);
    m_slow->setSession(data);
    // The charts at most three times a second while a run goes on (a chart's redraw costs more
    // than a table's, and a 100 ms step is not seen on them); a finished session at once.
    if (data->finished || !m_chartClock.isValid() || m_chartClock.elapsed() >= 300) {
        showCharts();
        m_chartClock.start();
    }
    // The source the run used, unless the user is editing it.
    if (!m_source->document()->isModified() && m_source->toPlainText() != data->info.scriptSource) {
        m_source->setPlainText(data->info.scriptSource);
        m_source->document()->setModified(false);
    }
    std::map<int, ScriptEditor::SlowLine> slowLines;
    const QString scriptFile = scriptFileName(data->info.script);
    for (const SlowCallback& c : data->snapshot.slowCallbacks)
        if (const int line = lineInScript(c.location, scriptFile)) {
            ScriptEditor::SlowLine& mark = slowLines[line];
            ++mark.count;
            mark.worstNs = std::max(mark.worstNs, c.durationNs);
        }
    m_source->setSlowLines(std::move(slowLines));
    const RunSnapshot& s = data->snapshot;
    QStringList byState;
    for (int i = 0; i < kTaskStateCount; ++i)
        if (s.tasksByState[std::size_t(i)])
            byState << QStringLiteral("%1 %2")
                           .arg(s.tasksByState[std::size_t(i)])
                           .arg(QString::fromLatin1(taskStateName(TaskState(i)).data()));
    std::int64_t worst = 0;
    const SlowCallback* blockingNow = nullptr;
    for (const SlowCallback& c : s.slowCallbacks) {
        worst = std::max(worst, c.durationNs);
        if (c.ongoing && !data->finished && m_runner->isRunning()) // a killed runner blocks nothing
            blockingNow = &c;
    }
    // While the loop is blocked, its probe's due tick is already this late (the session's lag so
    // far): the max says so at once, not only once the tick fires after the block.
    std::int64_t lagMaxNs = s.loopLagMicros.max() * 1000;
    if (!data->timeSeries.empty())
        lagMaxNs = std::max(lagMaxNs, data->timeSeries.back().lagMaxNs);
    // The moment the profiler exists for: said first, in red, while it lasts.
    const QString blocked =
        blockingNow
            ? tr("<span style=\"color:#cf222e\"><b>The loop is blocked now</b>: for %1%2%3</span><br>")
                  .arg(formatDuration(blockingNow->durationNs),
                       blockingNow->taskName.isEmpty()
                           ? QString()
                           : tr(" in task '%1'").arg(blockingNow->taskName.toHtmlEscaped()),
                       blockingNow->location.isEmpty()
                           ? QString()
                           : tr(" at %1").arg(blockingNow->location.toHtmlEscaped()))
            : QString();
    QString text = blocked + tr("<b>%1</b> — %2<br>Tasks: %3 (%4)<br>Slow callbacks: %5%6<br>Loop lag p99: "
                                "%7, max %10, busy %8 %<br>"
                                "RSS: %9")
                                 .arg(data->info.script.toHtmlEscaped(), runStatusName(data->info.status))
                                 .arg(s.tasksTotal)
                                 .arg(byState.join(QStringLiteral(", ")))
                                 .arg(s.slowCallbacks.size())
                                 .arg(worst ? tr(", worst %1").arg(formatDuration(worst)) : QString())
                                 .arg(formatDuration(s.loopLagMicros.percentile(99) * 1000))
                                 .arg(s.loopUtilization * 100, 0, 'f', 1)
                                 .arg(formatBytes(double(s.memoryStats.rssEndBytes)))
                                 .arg(formatDuration(lagMaxNs));
    // What the figures above do not include (a truncated file, dropped events, a full disk):
    // said here, where they are read, as every report format says it.
    const QStringList lost = incompleteDataNotes(s, data->warnings);
    if (!lost.isEmpty()) {
        QStringList escaped;
        for (const QString& note : lost)
            escaped << note.toHtmlEscaped();
        text += tr("<br><span style=\"color:#9a6700\"><b>Incomplete data</b>: %1</span>")
                    .arg(escaped.join(QStringLiteral("; ")));
    }
    m_overview->setText(text);
    m_verdicts->clear();
    for (const Diagnostic& d : s.diagnostics) {
        auto* item = new QListWidgetItem(
            QStringLiteral("[%1] %2").arg(QString::fromLatin1(severityName(d.severity)), d.message),
            m_verdicts);
        item->setData(Qt::UserRole, qulonglong(d.taskId));
        item->setData(Qt::UserRole + 1, d.location);
    }
    // Resumes per second between two views: how busy the workload's tasks are right now.
    if (m_previous && data->snapshot.nowNs > m_previous->snapshot.nowNs)
        m_resumesPerSecond = double(data->snapshot.segmentsTotal - m_previous->snapshot.segmentsTotal) * 1e9 /
                             double(data->snapshot.nowNs - m_previous->snapshot.nowNs);
    m_previous = data;
    if (s.diagnostics.empty())
        m_verdicts->addItem(tr("No diagnostic rule found a problem (yet)."));
    showStatus();
}

void MainWindow::showStatus() {
    const bool running = m_runner->isRunning();
    m_runAction->setEnabled(!running && !m_script.isEmpty());
    m_stopAction->setEnabled(running);
    QString text = running
                       ? tr("Running %1 s").arg(double(m_elapsed->elapsed()) / 1000.0, 0, 'f', 1)
                       : (m_data ? tr("Session: %1").arg(runStatusName(m_data->info.status)) : tr("Idle"));
    if (running && m_resumesPerSecond > 0)
        text += tr(" · %1 resumes/s").arg(qlonglong(m_resumesPerSecond));
    if (m_data && m_data->snapshot.drops.records)
        text += tr(" · %1 events dropped").arg(m_data->snapshot.drops.records);
    m_statusRun->setText(text);
}

QString MainWindow::bannerText() const {
    return m_banner->isVisible() || !m_banner->isHidden() ? m_banner->text() : QString();
}

QString MainWindow::overviewText() const {
    return m_overview->text();
}

QString MainWindow::scriptText() const {
    return m_source->toPlainText();
}

QString MainWindow::taskDetailText() const {
    return m_taskDetail->toPlainText();
}

QString MainWindow::logText() const {
    return m_log->toPlainText();
}

} // namespace coroscope::ui
