// MainWindow's menus and tool bar: what each action does lives here or in the handler it calls.
#include "charts/timechart.h"
#include "dialogs/comparedialog.h"
#include "dialogs/runsettingsdialog.h"
#include "mainwindow/mainwindow.h"
#include "model/format.h"
#include "models/slowcallbackmodel.h"
#include "models/tasktablemodel.h"
#include "panels/scripteditor.h"
#include "panels/startpage.h"

#include <QAction>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSaveFile>
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

void MainWindow::buildActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* openScriptAction = file->addAction(tr("Open &Script…"), this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Open Script"), QString(), tr("Workload scripts (*.js)"));
        if (!path.isEmpty())
            openFile(path);
    });
    openScriptAction->setShortcut(QKeySequence::Open);
    connect(m_start, &StartPage::openScriptRequested, openScriptAction, &QAction::trigger);
    QAction* openSessionAction = file->addAction(tr("Open S&ession…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open Session"), QString(),
                                                          tr("Coroscope sessions (*.coroscope)"));
        if (path.isEmpty())
            return;
        if (openSession(path))
            addRecent(path);
    });
    file->addAction(tr("Save Scrip&t"), QKeySequence::Save, this, &MainWindow::saveScript);
    m_recentMenu = file->addMenu(tr("&Recent"));
    connect(m_start, &StartPage::openSessionRequested, openSessionAction, &QAction::trigger);
    QAction* exportAction = file->addAction(tr("&Export Report…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export Report"), QString(),
            tr("HTML (*.html);;JSON (*.json);;CSV (*.csv);;Markdown (*.md);;Chrome trace (*.trace.json)"));
        if (!path.isEmpty())
            exportReport(path);
    });
    exportAction->setShortcut(Qt::CTRL | Qt::Key_E);
    connect(this, &MainWindow::exported, this, [this](const QString&, const QString& error) {
        if (!error.isEmpty() && isVisible())
            warnLater(tr("Export Report"), error);
    });
    file->addAction(tr("Save Session &As…"), QKeySequence::SaveAs, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save Session As"), QString(),
                                                          tr("Coroscope sessions (*.coroscope)"));
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
    runMenu->addAction(tr("S&ettings…"), this, [this] {
        RunSettingsDialog dialog(m_settings, this);
        if (dialog.exec() != QDialog::Accepted)
            return;
        QString error;
        if (const auto applied = dialog.apply(m_settings, &error)) {
            // The threshold applies to the run in progress too, at once; the rest to the next run.
            if (applied->slowThreshold != m_settings.slowThreshold &&
                m_runner->setSlowThreshold(applied->slowThreshold))
                statusBar()->showMessage(
                    tr("Slow-callback threshold now %1")
                        .arg(formatDuration(std::chrono::nanoseconds(applied->slowThreshold).count())),
                    5000);
            m_settings = *applied;
        } else
            QMessageBox::warning(this, tr("Run Settings"), error);
    });

    QToolBar* tools = addToolBar(tr("Run"));
    tools->setObjectName(QStringLiteral("RunToolBar"));
    tools->addAction(openScriptAction);
    tools->addAction(m_runAction);
    tools->addAction(m_stopAction);
    tools->addAction(exportAction);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    view->addSeparator();
    view->addAction(tr("Reset &Layout"), this, &MainWindow::resetLayout);

    QMenu* compare = menuBar()->addMenu(tr("&Compare"));
    compare->addAction(tr("&Sessions…"), this, [this] {
        // The session shown is A when there is one; otherwise both are asked for.
        QString a = m_data ? m_data->path : QString();
        if (a.isEmpty())
            a = QFileDialog::getOpenFileName(this, tr("Compare: session A (baseline)"), QString(),
                                             tr("Coroscope sessions (*.coroscope)"));
        if (a.isEmpty())
            return;
        const QString b = QFileDialog::getOpenFileName(this, tr("Compare: session B (candidate)"), QString(),
                                                       tr("Coroscope sessions (*.coroscope)"));
        if (!b.isEmpty())
            compareSessions(a, b);
    });

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Scripting Reference"), QKeySequence::HelpContents, this,
                    &MainWindow::showScriptingReference);
    help->addAction(tr("&About Coroscope"), this, &MainWindow::about);
}

} // namespace coroscope::ui
