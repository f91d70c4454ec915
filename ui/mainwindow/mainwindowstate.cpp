// MainWindow's memory between launches (QSettings: geometry, dock layout, recent files), its
// default layout, files dropped on it, and the About box.
#include "mainwindow/mainwindow.h"

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
#include <QStatusBar>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

namespace coroscope::ui {
namespace {

constexpr int kMaxRecent = 10;
const QString kRecentKey = QStringLiteral("recentFiles");

} // namespace

void MainWindow::restoreLayout() {
    m_defaultState = saveState(); // what Reset Layout goes back to
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    showRecent();
}

void MainWindow::saveLayout() const {
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
}

void MainWindow::resetLayout() {
    restoreState(m_defaultState);
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
    m_recentMenu->setEnabled(!m_recentMenu->isEmpty());
    m_start->setRecent(recentFiles());
}

void MainWindow::setExamples(const QList<StartPage::Example>& examples) {
    m_start->setExamples(examples);
}

void MainWindow::openFile(const QString& file) {
    if (file.endsWith(QLatin1String(".coroscope"))) {
        if (openSession(file))
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
