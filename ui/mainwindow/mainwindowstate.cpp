// MainWindow's memory between launches (QSettings: geometry, dock layout, recent files), its
// default layout, files dropped on it, and the About box.
#include "mainwindow/mainwindow.h"
#include "panels/scripteditor.h"

#include <QAction>
#include <QApplication>
#include <QDialog>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace coroscope::ui {
namespace {

constexpr int kMaxRecent = 10;
const QString kRecentKey = QStringLiteral("recentFiles");

/// The views' splitters, each saved under its name (a dialog's are not the window's layout).
QList<QSplitter*> namedSplitters(const QMainWindow& window) {
    QList<QSplitter*> named;
    for (QSplitter* split : window.findChildren<QSplitter*>())
        if (!split->objectName().isEmpty())
            named << split;
    return named;
}

} // namespace

void MainWindow::restoreLayout() {
    // What Reset Layout goes back to: the tool bar and every splitter as built.
    m_defaultState = saveState();
    for (const QSplitter* split : namedSplitters(*this))
        m_defaultSplitters.insert(split->objectName(), split->saveState());
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    for (QSplitter* split : namedSplitters(*this))
        split->restoreState(
            settings.value(QStringLiteral("window/splitters/") + split->objectName()).toByteArray());
    m_views->setCurrentIndex(settings.value(QStringLiteral("window/view"), 0).toInt());
    showRecent();
}

void MainWindow::saveLayout() const {
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    for (const QSplitter* split : namedSplitters(*this))
        settings.setValue(QStringLiteral("window/splitters/") + split->objectName(), split->saveState());
    settings.setValue(QStringLiteral("window/view"), m_views->currentIndex());
}

void MainWindow::resetLayout() {
    restoreState(m_defaultState);
    for (QSplitter* split : namedSplitters(*this))
        split->restoreState(m_defaultSplitters.value(split->objectName()));
    m_views->setCurrentIndex(int(View::Summary));
    resize(1280, 800);
}

QStringList MainWindow::recentFiles() const {
    return QSettings().value(kRecentKey).toStringList();
}

void MainWindow::addRecent(const QString& file) {
    QStringList files = recentFiles();
    files.removeAll(file);
    files.prepend(file);
    while (files.size() > kMaxRecent)
        files.removeLast();
    QSettings().setValue(kRecentKey, files);
    showRecent();
}

void MainWindow::showRecent() {
    m_recentMenu->clear();
    for (const QString& file : recentFiles())
        m_recentMenu->addAction(file, this, [this, file] { openFile(file); });
    const QList<ProgramRequest> programs = recentPrograms();
    if (!programs.isEmpty() && !m_recentMenu->isEmpty())
        m_recentMenu->addSeparator();
    for (const ProgramRequest& program : programs) {
        // A long command line is cut in the menu; the tooltip has it whole.
        const QString line = program.commandLine();
        QAction* action = m_recentMenu->addAction(
            tr("Profile %1").arg(line.size() > 80 ? line.left(79) + QChar(0x2026) : line), this,
            [this, program] { profileProgram(program); });
        action->setToolTip(line);
    }
    m_recentMenu->setEnabled(!m_recentMenu->isEmpty());
    m_start->setRecent(recentFiles());
}

void MainWindow::setExamples(const QList<StartPage::Example>& examples) {
    m_examples = examples;
    m_start->setExamples(examples);
    m_examplesMenu->clear();
    for (const StartPage::Example& e : examples) {
        // Opens, does not run: the user reads the script (and the Run settings) first.
        QAction* action = m_examplesMenu->addAction(e.name, this, [this, name = e.name] {
            if (openExample(name))
                addRecent(QStringLiteral("example:") + name);
        });
        action->setToolTip(e.summary);
        action->setStatusTip(e.summary);
    }
    m_examplesMenu->setEnabled(!examples.isEmpty());
}

bool MainWindow::openExample(const QString& name) {
    const auto example = std::find_if(m_examples.cbegin(), m_examples.cend(),
                                      [&](const StartPage::Example& e) { return e.name == name; });
    // Without a list (setExamples never called) the runner is the judge of the name.
    if (example == m_examples.cend() && !m_examples.isEmpty()) {
        statusBar()->showMessage(
            tr("No built-in example is called '%1' (File > Examples lists them)").arg(name));
        return false;
    }
    openScript(QStringLiteral("example:") + name);
    // openScript() reads files; an example's text is compiled into the app and came with the list.
    if (example != m_examples.cend() && !example->source.isEmpty()) {
        m_source->setPlainText(example->source);
        m_source->document()->setModified(false);
    }
    return true;
}

void MainWindow::openFile(const QString& file) {
    if (file.endsWith(QLatin1String(".coroscope"))) {
        if (openSession(file))
            addRecent(file);
        return;
    }
    if (file.startsWith(QLatin1String("example:"))) {
        if (openExample(file.mid(8)))
            addRecent(file);
        return;
    }
    openScript(file);
    addRecent(file);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    for (const QUrl& url : event->mimeData()->urls()) {
        const QString file = url.toLocalFile();
        if (file.endsWith(QLatin1String(".js")) || file.endsWith(QLatin1String(".coroscope"))) {
            event->acceptProposedAction();
            return;
        }
    }
}

void MainWindow::dropEvent(QDropEvent* event) {
    for (const QUrl& url : event->mimeData()->urls()) {
        const QString file = url.toLocalFile();
        if (file.endsWith(QLatin1String(".js")) || file.endsWith(QLatin1String(".coroscope"))) {
            openFile(file);
            event->acceptProposedAction();
            return;
        }
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveLayout();
    QMainWindow::closeEvent(event);
}

QString MainWindow::scriptingReference() {
    QFile file(QStringLiteral(":/docs/scripting.md"));
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

void MainWindow::showScriptingReference() {
    auto* dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Scripting Reference"));
    auto* text = new QTextBrowser(dialog);
    text->setMarkdown(scriptingReference());
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(text);
    dialog->resize(900, 700);
    dialog->show();
}

void MainWindow::about() {
    QMessageBox::about(
        this, tr("About Coroscope"),
        tr("<h3>Coroscope %1</h3><p>A profiler and debugger for asynchronous C++ on Qt and QCoro: "
           "blocking callbacks, task lifecycles, memory growth and latency percentiles of "
           "a workload running on an instrumented event loop.</p>"
           "<p>Qt %2 (built with %3) · QCoro %4</p>")
            .arg(QStringLiteral(COROSCOPE_VERSION), QString::fromLatin1(qVersion()),
                 QStringLiteral(QT_VERSION_STR), QStringLiteral(COROSCOPE_QCORO_VERSION)));
}

} // namespace coroscope::ui
