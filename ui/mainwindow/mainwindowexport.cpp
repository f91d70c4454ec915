// MainWindow's ways out: a report of the shown session (File > Export Report…) and a copy of its
// file (File > Save Session As…). Both read and write on a worker thread — a million-task session
// takes seconds to render — behind a progress dialog that shows only if it takes a while. A written
// report is offered in the status bar, to open with the desktop's viewer.
#include "dialogs/filepaths.h"
#include "mainwindow/mainwindow.h"
#include "reading/sessionreader.h"
#include "report/reportformat.h"

#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QSaveFile>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>
#include <QUrl>
#include <QtConcurrent>

#include <functional>

namespace coroscope::ui {
namespace {

const QString kFilterKey = QStringLiteral("export/lastFilter");

/// The filters of File > Export Report, one per report format.
QStringList reportFilters() {
    return {QObject::tr("HTML (*.html)"),
            QObject::tr("JSON (*.json)"),
            QObject::tr("CSV (*.csv)"),
            QObject::tr("Markdown (*.md)"),
            QObject::tr("Chrome trace (*.trace.json)"),
            QObject::tr("CPU profile, folded stacks (*.folded)"),
            QObject::tr("CPU profile, speedscope (*.speedscope.json)")};
}

/// The report of the session `data` came from (re-read whole, tasks included: the views page
/// them), or of `data` itself when it has no file. An empty string on success.
QString writeReportFile(const QString& path, ReportFormat format,
                        std::shared_ptr<const session::SessionData> data) {
    try {
        std::shared_ptr<const session::SessionData> whole = data;
        if (!data->path.isEmpty())
            whole = std::make_shared<const session::SessionData>(session::readSession(data->path));
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return QObject::tr("cannot write %1: %2").arg(path, file.errorString());
        if (const auto error = writeReport(format, *whole, file)) {
            file.cancelWriting();
            return QObject::tr("cannot write %1: %2").arg(path, *error);
        }
        if (!file.commit())
            return QObject::tr("cannot write %1: %2").arg(path, file.errorString());
        return {};
    } catch (const session::SessionError& e) {
        return e.message();
    }
}

/// Runs `job` (an error message, empty on success) on a worker behind a progress dialog that
/// shows only if it takes a while, then tells `done` on the GUI thread.
void inBackground(QWidget* window, const QString& title, const QString& label, std::function<QString()> job,
                  std::function<void(const QString& error)> done) {
    auto* progress = new QProgressDialog(label, QString(), 0, 0, window);
    progress->setWindowTitle(title);
    progress->setMinimumDuration(400);
    progress->setWindowModality(Qt::WindowModal);
    auto* watcher = new QFutureWatcher<QString>(window);
    QObject::connect(watcher, &QFutureWatcher<QString>::finished, window, [watcher, progress, done] {
        watcher->deleteLater();
        progress->deleteLater();
        done(watcher->result());
    });
    watcher->setFuture(QtConcurrent::run(std::move(job)));
}

} // namespace

QString MainWindow::suggestedReportPath() const {
    const QString script = m_data ? m_data->info.script : m_script;
    return QDir(lastExportDirectory(QDir::homePath())).filePath(datedBaseName(script));
}

void MainWindow::exportInteractively() {
    const QStringList filters = reportFilters();
    QString filter = QSettings().value(kFilterKey, filters.front()).toString();
    const QString typed = QFileDialog::getSaveFileName(this, tr("Export Report"), suggestedReportPath(),
                                                       filters.join(QStringLiteral(";;")), &filter);
    if (typed.isEmpty())
        return;
    const QString path = withFilterExtension(typed, filter, filters);
    // The dialog asked about overwriting the name as typed, not the one with the extension added.
    if (path != typed && QFileInfo::exists(path) &&
        QMessageBox::question(this, tr("Export Report"),
                              tr("%1 already exists. Replace it?").arg(QFileInfo(path).fileName())) !=
            QMessageBox::Yes)
        return;
    QSettings().setValue(kFilterKey, filter);
    exportReport(path);
}

void MainWindow::offerWrittenReport(const QString& path) {
    m_writtenReport = path;
    delete m_reportOffer;
    m_reportOffer = new QWidget(this);
    m_reportOffer->setObjectName(QStringLiteral("reportOffer"));
    auto* layout = new QHBoxLayout(m_reportOffer);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("Report written: %1").arg(QFileInfo(path).fileName()), m_reportOffer));
    auto* open = new QPushButton(tr("Open Report"), m_reportOffer);
    open->setObjectName(QStringLiteral("openReportButton"));
    open->setToolTip(path);
    connect(open, &QPushButton::clicked, this, &MainWindow::openWrittenReport);
    layout->addWidget(open);
    statusBar()->clearMessage(); // a message would hide it
    statusBar()->addWidget(m_reportOffer);
    // An offer, not a fixture: it goes after a minute.
    QTimer::singleShot(60'000, m_reportOffer, &QWidget::hide);
}

bool MainWindow::openWrittenReport() {
    return !m_writtenReport.isEmpty() && QDesktopServices::openUrl(QUrl::fromLocalFile(m_writtenReport));
}

void MainWindow::exportReport(const QString& path) {
    auto finish = [this, path](const QString& error) {
        if (error.isEmpty()) {
            rememberExportDirectory(path);
            offerWrittenReport(path);
        } else {
            statusBar()->showMessage(error);
        }
        Q_EMIT exported(path, error);
    };
    if (!m_data)
        return finish(tr("Nothing to export yet: run a script or open a session."));
    const auto format = reportFormatForPath(path);
    if (!format)
        return finish(tr("%1: unknown report format (use %2)").arg(path, reportFormatNames()));
    inBackground(
        this, tr("Export Report"), tr("Writing the report to %1…").arg(path),
        [path, format = *format, data = m_data] { return writeReportFile(path, format, data); }, finish);
}

void MainWindow::saveSessionAs(const QString& path) {
    if (!m_data || m_data->path.isEmpty()) {
        Q_EMIT sessionSaved(path, tr("No session to save yet: run a script or open a session."));
        return;
    }
    inBackground(
        this, tr("Save Session As"), tr("Saving the session to %1…").arg(path),
        [from = m_data->path, path]() -> QString {
            try {
                session::copySession(from, path);
                return {};
            } catch (const session::SessionError& e) {
                return e.message();
            }
        },
        [this, path](const QString& error) {
            statusBar()->showMessage(error.isEmpty() ? tr("Session saved: %1").arg(path) : error,
                                     error.isEmpty() ? 5000 : 0);
            if (error.isEmpty())
                addRecent(path);
            Q_EMIT sessionSaved(path, error);
        });
}

} // namespace coroscope::ui
