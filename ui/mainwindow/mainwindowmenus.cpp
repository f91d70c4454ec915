// MainWindow's menus and tool bar: what each action does lives here or in the handler it calls.
// Every dialog that picks a session starts in the sessions folder, where runs record them.
#include "dialogs/comparedialog.h"
#include "dialogs/filepaths.h"
#include "dialogs/runsettingsdialog.h"
#include "mainwindow/mainwindow.h"
#include "model/format.h"
#include "panels/startpage.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QMenuBar>
#include <QStatusBar>
#include <QToolBar>

namespace coroscope::ui {
namespace {

const QString kExamplePrefix = QStringLiteral("example:");

QString sessionFilter() {
    return QObject::tr("Coroscope sessions (*.coroscope)");
}

} // namespace

void MainWindow::buildActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* openScriptAction =
        file->addAction(tr("Open &Script…"), this, &MainWindow::openScriptInteractively);
    openScriptAction->setShortcut(QKeySequence::Open);
    connect(m_start, &StartPage::openScriptRequested, openScriptAction, &QAction::trigger);
    file->addAction(tr("Open E&xample…"), this, &MainWindow::openExampleInteractively);
    // The examples one click away, whether or not the start page is shown (setExamples fills it).
    m_examplesMenu = file->addMenu(tr("Exa&mples"));
    m_examplesMenu->setToolTipsVisible(true);
    m_examplesMenu->setEnabled(false);
    QAction* openSessionAction =
        file->addAction(tr("Open S&ession…"), this, &MainWindow::openSessionInteractively);
    connect(m_start, &StartPage::openSessionRequested, openSessionAction, &QAction::trigger);
    QAction* profileAction = file->addAction(tr("Profile &Program…"), QKeySequence(Qt::CTRL | Qt::Key_P),
                                             this, &MainWindow::profileProgramInteractively);
    file->addAction(tr("Save Scrip&t"), QKeySequence::Save, this, &MainWindow::saveScript);
    m_recentMenu = file->addMenu(tr("&Recent"));
    m_recentMenu->setToolTipsVisible(true);
    file->addSeparator();
    QAction* exportAction = file->addAction(tr("&Export Report…"), this, &MainWindow::exportInteractively);
    exportAction->setShortcut(Qt::CTRL | Qt::Key_E);
    connect(this, &MainWindow::exported, this, [this](const QString&, const QString& error) {
        if (!error.isEmpty() && isVisible())
            warnLater(tr("Export Report"), error);
    });
    // QKeySequence::SaveAs is empty on some desktops (KDE's and Windows' have none): say it outright.
    file->addAction(tr("Save Session &As…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, tr("Save Session As"), sessionsDirectory(), sessionFilter());
        if (!path.isEmpty())
            saveSessionAs(path.endsWith(QLatin1String(".coroscope")) ? path
                                                                     : path + QStringLiteral(".coroscope"));
    });
    connect(this, &MainWindow::sessionSaved, this, [this](const QString&, const QString& error) {
        if (!error.isEmpty() && isVisible())
            warnLater(tr("Save Session As"), error);
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* runMenu = menuBar()->addMenu(tr("&Run"));
    m_runAction = runMenu->addAction(tr("&Run"), Qt::Key_F5, this, &MainWindow::run);
    m_stopAction = runMenu->addAction(tr("&Stop"), Qt::SHIFT | Qt::Key_F5, this, &MainWindow::stop);
    runMenu->addSeparator();
    runMenu->addAction(tr("S&ettings…"), this, &MainWindow::editRunSettings);

    QToolBar* tools = addToolBar(tr("Run"));
    tools->setObjectName(QStringLiteral("RunToolBar"));
    tools->addAction(openScriptAction);
    tools->addAction(profileAction);
    tools->addAction(m_runAction);
    tools->addAction(m_stopAction);
    tools->addAction(exportAction);

    // One entry per view, Ctrl+1…Ctrl+6 as in hotspot's and heaptrack_gui's tabs.
    QMenu* view = menuBar()->addMenu(tr("&View"));
    const QString viewNames[] = {tr("&Summary"), tr("&Tasks"),  tr("&Event Loop"),
                                 tr("&Latency"), tr("&Memory"), tr("Sc&ript")};
    for (int i = 0; i <= int(View::Script); ++i)
        view->addAction(viewNames[i], QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)), this,
                        [this, i] { showView(View(i)); });
    view->addSeparator();
    view->addAction(tr("Reset &Layout"), this, &MainWindow::resetLayout);

    QMenu* compare = menuBar()->addMenu(tr("&Compare"));
    compare->addAction(tr("&Sessions…"), this, &MainWindow::compareInteractively);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Scripting Reference"), QKeySequence::HelpContents, this,
                    &MainWindow::showScriptingReference);
    help->addAction(tr("&About Coroscope"), this, &MainWindow::about);
}

void MainWindow::openScriptInteractively() {
    QFileDialog dialog(this, tr("Open Script"), QString(), tr("Workload scripts (*.js)"));
    dialog.setAcceptMode(QFileDialog::AcceptOpen);
    // Any name, not only existing files: example:NAME typed as the file name opens that example.
    dialog.setFileMode(QFileDialog::AnyFile);
    dialog.setLabelText(QFileDialog::FileName, tr("File (or example:NAME):"));
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty())
        return;
    const QString path = dialog.selectedFiles().constFirst();
    // The dialog makes a typed name a path in the folder it shows.
    const QString name = QFileInfo(path).fileName();
    if (name.startsWith(kExamplePrefix)) {
        openExampleOrWarn(name.mid(kExamplePrefix.size()));
        return;
    }
    if (!QFileInfo(path).isFile()) {
        warnLater(tr("Open Script"), tr("%1: no such file").arg(path));
        return;
    }
    openFile(path);
}

void MainWindow::openExampleInteractively() {
    QStringList names;
    for (const StartPage::Example& e : std::as_const(m_examples))
        names << e.name;
    bool ok = false;
    QString name = QInputDialog::getItem(this, tr("Open Example"), tr("Example (NAME or example:NAME):"),
                                         names, 0, true, &ok)
                       .trimmed();
    if (!ok || name.isEmpty())
        return;
    if (name.startsWith(kExamplePrefix))
        name = name.mid(kExamplePrefix.size());
    openExampleOrWarn(name);
}

void MainWindow::openExampleOrWarn(const QString& name) {
    if (openExample(name))
        addRecent(kExamplePrefix + name);
    else
        warnLater(tr("Open Example"), tr("No built-in example is called '%1'.").arg(name));
}

void MainWindow::openSessionInteractively() {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open Session"), sessionsDirectory(), sessionFilter());
    if (!path.isEmpty() && openSession(path))
        addRecent(path);
}

void MainWindow::editRunSettings() {
    RunSettingsDialog dialog(m_settings, this);
    dialog.setRunInProgress(m_runner->isRunning());
    // The dialog checks its fields itself and stays open on a bad one: Accepted means valid.
    if (dialog.exec() != QDialog::Accepted || !dialog.settings())
        return;
    const RunRequest& applied = *dialog.settings();
    // The threshold applies to the run in progress too, at once; the rest to the next run.
    if (applied.slowThreshold != m_settings.slowThreshold &&
        m_runner->setSlowThreshold(applied.slowThreshold))
        statusBar()->showMessage(
            tr("Slow-callback threshold now %1")
                .arg(formatDuration(std::chrono::nanoseconds(applied.slowThreshold).count())),
            5000);
    m_settings = applied;
}

void MainWindow::compareInteractively() {
    // The session shown is A when there is one; otherwise both are asked for.
    QString a = m_data ? m_data->path : QString();
    if (a.isEmpty())
        a = QFileDialog::getOpenFileName(this, tr("Compare: session A (baseline)"), sessionsDirectory(),
                                         sessionFilter());
    if (a.isEmpty())
        return;
    const QString b = QFileDialog::getOpenFileName(this, tr("Compare: session B (candidate)"),
                                                   sessionsDirectory(), sessionFilter());
    if (!b.isEmpty())
        compareSessions(a, b);
}

} // namespace coroscope::ui
