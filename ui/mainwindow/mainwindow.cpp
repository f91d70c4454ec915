#include "mainwindow/mainwindow.h"

#include "charts/eventcharts.h"
#include "charts/taskmemorychart.h"
#include "charts/timechart.h"
#include "dialogs/comparedialog.h"
#include "dialogs/runsettingsdialog.h"
#include "model/format.h"
#include "models/latencymodel.h"
#include "models/slowcallbackmodel.h"
#include "models/tasktablemodel.h"
#include "panels/cpuprofilepage.h"
#include "panels/scripteditor.h"
#include "panels/sitespage.h"
#include "panels/startpage.h"
#include "panels/summarypage.h"
#include "panels/tasktimeline.h"
#include "report/incompletedata.h"
#include "report/scriptlocation.h"
#include "run/taskstoreworker.h"

#include <QAction>
#include <QDateTime>
#include <QDir>
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
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace coroscope::ui {
namespace {

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
    , m_taskStore(new TaskStoreWorker(this))
    , m_elapsed(std::make_unique<QElapsedTimer>()) {
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
        // Unless the window moved on to another file meanwhile: then this run is not shown.
        if (!m_runSession.isEmpty() && m_tail->path() == m_runSession) {
            m_tail->finalRead(); // the runner's last batch
            const QString banner = outcome.banner();
            m_banner->setText(banner);
            m_banner->setVisible(!banner.isEmpty());
        }
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

void MainWindow::selectTimeRange(std::optional<TimeRange> range) {
    m_timeline->setSelectedRange(range);
    m_cpuPage->setTimeRange(range);
    if (range)
        statusBar()->showMessage(tr("The CPU profile shows the %1 selected in the timeline.")
                                     .arg(formatDuration(range->toNs - range->fromNs)),
                                 5000);
}

void MainWindow::buildPanels() {
    // The crash banner stays above every view; the views are tabs, each with the whole window.
    m_banner = new QLabel(this);
    m_banner->setObjectName(QStringLiteral("banner"));
    m_banner->setWordWrap(true);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #ffebe9; color: #82071e; padding: 8px; }"));
    m_banner->hide();
    m_summary = new SummaryPage(this);
    connect(m_summary, &SummaryPage::locationActivated, this,
            [this](const QString& location, std::uint64_t task) {
                const int line = m_data ? lineInScript(location, scriptFileName(m_data->info.script)) : 0;
                if (line > 0)
                    showScriptLine(line);
                else if (task)
                    selectTask(task);
            });
    connect(m_summary, &SummaryPage::taskActivated, this, &MainWindow::selectTask);
    connect(m_summary, &SummaryPage::slowCallbackActivated, this, &MainWindow::showSlowCallback);
    connect(m_summary, &SummaryPage::metricActivated, this, [this](const QString& metric) {
        showChartsIfStale(View::Latency); // its table may not have been filled behind the Summary
        for (int row = 0; row < m_latency->rowCount(); ++row)
            if (m_latency->index(row, 0).data(LatencyModel::MetricRole).toString() == metric) {
                auto* proxy = static_cast<QSortFilterProxyModel*>(m_latencyView->model());
                m_latencyView->setCurrentIndex(proxy->mapFromSource(m_latency->index(row, 0)));
                showView(View::Latency);
                return;
            }
    });

    // Script and the runner's log.
    m_source = new ScriptEditor(this);
    connect(m_source, &ScriptEditor::slowLineClicked, this, &MainWindow::showSlowLine);
    m_log = new QPlainTextEdit(this);
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(10'000);
    m_log->setPlaceholderText(tr("The script's log() lines appear here."));
    auto* scriptSplit = new QSplitter(Qt::Vertical, this);
    scriptSplit->setObjectName(QStringLiteral("ScriptSplit"));
    scriptSplit->addWidget(m_source);
    scriptSplit->addWidget(m_log);
    scriptSplit->setSizes({560, 160});

    m_views = new QTabWidget(this);
    m_views->setObjectName(QStringLiteral("Views"));
    m_views->setDocumentMode(true);
    m_views->addTab(m_summary, tr("Summary"));
    m_views->addTab(buildTasksView(), tr("Tasks"));
    m_views->addTab(buildLoopView(), tr("Event loop"));
    m_views->addTab(buildLatencyView(), tr("Latency"));
    m_views->addTab(buildMemoryView(), tr("Memory"));
    m_views->addTab(scriptSplit, tr("Script"));
    Q_ASSERT(m_views->count() == int(View::Script) + 1);
    m_cpuPage = new CpuProfilePage(this);
    m_views->addTab(m_cpuPage, tr("CPU profile"));
    // A range dragged in the Tasks timeline narrows the CPU profile to it, as in hotspot.
    connect(m_timeline, &TaskTimeline::rangeSelected, this, &MainWindow::selectTimeRange);
    connect(m_cpuPage, &CpuProfilePage::timeRangeCleared, this, [this] { selectTimeRange(std::nullopt); });
    m_sites = new SitesPage(this);
    m_views->addTab(m_sites, tr("Await && spawn sites"));
    connect(m_sites, &SitesPage::locationActivated, this, [this](const QString& location) {
        const int line = m_data ? lineInScript(location, scriptFileName(m_data->info.script)) : 0;
        if (line > 0)
            showScriptLine(line);
    });
    // What the run did while this view was behind.
    // Queued: the view's charts are drawn in a dispatch of their own, after the one that shows and
    // lays out the page (both in one were the longest dispatches of a view switch, bench/gui).
    connect(m_views, &QTabWidget::currentChanged, this, qOverload<>(&MainWindow::showChartsIfStale),
            Qt::QueuedConnection);

    m_start = new StartPage(this);
    m_pages = new QStackedWidget(this);
    m_pages->addWidget(m_start);
    m_pages->addWidget(column(this, {m_banner, m_views}));
    setCentralWidget(m_pages);
    connect(m_start, &StartPage::runExample, this, [this](const QString& script) {
        openFile(script);
        run();
    });
    connect(m_start, &StartPage::openFile, this, &MainWindow::openFile);

    m_statusRun = new QLabel(this);
    m_statusRun->setMinimumWidth(m_statusRun->fontMetrics().horizontalAdvance(
        QStringLiteral("Session: duration-elapsed · 9999999 events dropped")));
    statusBar()->addPermanentWidget(m_statusRun);
}

void MainWindow::showView(View view) {
    m_pages->setCurrentIndex(1);
    m_views->setCurrentIndex(int(view));
}

MainWindow::View MainWindow::currentView() const {
    return View(m_views->currentIndex());
}

void MainWindow::openScript(const QString& script) {
    m_script = script;
    m_program.reset();
    setWindowTitle(tr("%1 — Coroscope").arg(QFileInfo(script).fileName()));
    QFile file(script);
    m_source->setPlainText(file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString());
    // A script file can be edited and saved (File > Save Script); an example is read-only.
    m_source->setReadOnly(!file.isOpen());
    m_source->document()->setModified(false);
    // Another script: the previous run's figures are not this one's (a run still going on ends
    // here too, its session saved: the window follows one run at a time).
    m_tail->stop();
    if (m_runner->isRunning())
        m_runner->stop();
    clearShown(tr("%1: press Run (F5).").arg(script.toHtmlEscaped()));
    showView(View::Script);
    showStatus();
}

bool MainWindow::openSession(const QString& path) {
    if (!QFileInfo(path).isFile()) {
        statusBar()->showMessage(tr("%1: no such file").arg(path));
        return false;
    }
    // Read on the tail's worker (a damaged file is reported by SessionTail::failed); a session
    // still being written keeps growing. What was shown before is not this file's.
    clearShown(tr("Reading %1…").arg(path.toHtmlEscaped()));
    m_tail->follow(path);
    showView(View::Summary);
    return true;
}

void MainWindow::clearShown(const QString& message) {
    m_data.reset();
    m_previous.reset();
    m_resumesPerSecond = 0;
    m_banner->hide();
    m_summary->clear(message);
    m_log->clear();
    m_logLinesShown = 0;
    m_stack->clear();
    m_slow->setSession(nullptr);
    m_cpuPage->clear();
    m_sites->setData(nullptr);
    m_latency->setSession(nullptr);
    m_taskStore->setPath(QString());
    m_tasks->setSession(QString(), 0);
    m_heapTasks->setSession(QString(), 0);
    m_selectedTask = 0;
    m_taskToSelect = 0;
    m_taskDetail->clear();
    m_timeline->setRunSpan(0, 0);
    m_lagChart->setLines({});
    m_metricChart->setLines({});
    m_memoryChart->setLines({});
    m_taskMemoryChart->clear();
    m_slowScatter->setPoints({}, 0, 1);
    m_stateChart->setSamples({});
    m_histogramChart->setHistogram(QString(), Histogram());
    m_source->setSlowLines({});
    m_chartClock.invalidate();
    m_chartsStale.fill(false);
    m_topTasksClock.invalidate();
    m_topTasksAgain = false;
    m_runSession.clear();
}

QString MainWindow::newSessionPath() const {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                        QStringLiteral("/coroscope/sessions");
    QDir().mkpath(dir);
    QString base = QFileInfo(m_program ? m_program->program : m_script.section(u':', -1)).completeBaseName();
    base += QDateTime::currentDateTime().toString(QStringLiteral("-yyyyMMdd-HHmmss-zzz"));
    return dir + u'/' + base + QStringLiteral(".coroscope");
}

void MainWindow::run() {
    if ((m_script.isEmpty() && !m_program) || m_runner->isRunning())
        return;
    const QString session = newSessionPath();
    RunRequest request = m_settings;
    request.script = m_script;
    request.program = m_program;
    request.session = session;
    if (!m_runner->start(request)) {
        statusBar()->showMessage(m_runner->error());
        return;
    }
    // The new run owns every view from its first moment: no figure, stack, log line or banner
    // of the one before stays beside it.
    clearShown(tr("%1: starting…").arg((m_program ? m_program->commandLine() : m_script).toHtmlEscaped()));
    m_elapsed->start();
    m_runSession = session;
    m_tail->follow(session, SessionTail::Source::LiveRunner);
    if (currentView() == View::Script)
        showView(View::Summary);
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
    m_sites->setData(data);
    m_cpuPage->setData(data); // built while on screen (at most once a second) or when shown
    // The charts with every read of a live session (the tail reads every 100 ms and the runner
    // commits every 100 ms: a chart stays within ~0.3 s of the run), but only those on screen,
    // and never twice within 90 ms (a read that came late and one on time). The others are
    // drawn when they are brought to the front, and those of a finished session one view per
    // loop turn after it: drawing every chart in one dispatch was the GUI thread's longest work
    // (bench/gui).
    m_chartsStale.fill(true);
    if (chartsOnScreen(currentView()) &&
        (data->finished || !m_chartClock.isValid() || m_chartClock.elapsed() >= 90))
        showChartsIfStale();
    if (data->finished)
        drawStaleChartsLater();
    // The source the run used, unless the user is editing it.
    // A launched program has no script: the view says what ran instead.
    m_source->setPlaceholderText(
        data->info.launchedProgram.isEmpty()
            ? QString()
            : tr("No script: this session profiled a program with coroscope launch.\n\n%1 %2\n\nIts slow "
                 "callbacks, with their stacks, are in the Event loop view.")
                  .arg(data->info.launchedProgram, data->info.launchedArguments.join(u' ')));
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
    // A saved session's log is its own (a live run's lines come from the runner as it prints).
    if (m_runSession.isEmpty() || data->path != m_runSession) {
        for (; m_logLinesShown < data->logs.size(); ++m_logLinesShown)
            m_log->appendPlainText(data->logs[m_logLinesShown].line);
    }
    m_summary->setSession(*data, m_runner->isRunning());
    requestTopTasks();
    // Resumes per second between two views: how busy the workload's tasks are right now.
    if (m_previous && data->snapshot.nowNs > m_previous->snapshot.nowNs)
        m_resumesPerSecond = double(data->snapshot.segmentsTotal - m_previous->snapshot.segmentsTotal) * 1e9 /
                             double(data->snapshot.nowNs - m_previous->snapshot.nowNs);
    m_previous = data;
    showStatus();
}

void MainWindow::showChartsIfStale() {
    if (chartsOnScreen(currentView()))
        showChartsIfStale(currentView());
}

void MainWindow::drawStaleChartsLater() {
    if (m_staleChartsQueued)
        return;
    m_staleChartsQueued = true;
    QTimer::singleShot(0, this, [this] {
        m_staleChartsQueued = false;
        for (const View view : {View::Tasks, View::EventLoop, View::Latency, View::Memory})
            if (m_data && m_chartsStale[std::size_t(view)]) {
                showChartsIfStale(view);
                drawStaleChartsLater();
                return;
            }
    });
}

void MainWindow::showChartsIfStale(View view) {
    if (!m_chartsStale[std::size_t(view)] || !m_data)
        return;
    showCharts(view);
    m_chartClock.start();
    m_chartsStale[std::size_t(view)] = false;
}

void MainWindow::requestTopTasks() {
    // A sort of every task on the worker: once a second while a run goes on, never two at once.
    if (!m_data || m_data->path.isEmpty())
        return;
    if (m_topTasksPending) {
        m_topTasksAgain = true; // the last view of a run must not be missed
        return;
    }
    if (!m_data->finished && m_topTasksClock.isValid() && m_topTasksClock.elapsed() < 1000)
        return;
    m_topTasksPending = true;
    m_topTasksClock.start();
    using Top = std::pair<std::vector<TaskInfo>, std::vector<TaskInfo>>;
    m_taskStore->submit<Top>(
        this,
        [](session::TaskStore& store) {
            const auto top = [&store](session::TaskColumn key) {
                session::TaskQuery query;
                query.sortKey = key;
                query.descending = true;
                query.limit = SummaryPage::kTopRows;
                return store.tasks(store.ids(query));
            };
            return Top{top(session::taskcolumn::Busy), top(session::taskcolumn::LiveHeap)};
        },
        [this, path = m_data->path](Top top) {
            m_topTasksPending = false;
            if (m_data && m_data->path == path) // not a session opened since
                m_summary->setTopTasks(std::move(top.first), std::move(top.second));
            if (std::exchange(m_topTasksAgain, false))
                requestTopTasks();
        },
        [this](const QString&) { m_topTasksPending = false; });
}

void MainWindow::showStatus() {
    const bool running = m_runner->isRunning();
    m_runAction->setEnabled(!running && (!m_script.isEmpty() || m_program));
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
    return m_summary->text();
}

QString MainWindow::stackText() const {
    return m_stack->toPlainText();
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
