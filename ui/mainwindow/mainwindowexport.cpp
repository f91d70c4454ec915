// MainWindow's ways out: a report of the shown session (File > Export Report…) and a copy of its
// file (File > Save Session As…). Both read and write on a worker thread — a million-task session
// takes seconds to render — behind a progress dialog that shows only if it takes a while.
#include "mainwindow/mainwindow.h"
#include "reading/sessionreader.h"
#include "report/reportformat.h"

#include <QFutureWatcher>
#include <QProgressDialog>
#include <QSaveFile>
#include <QStatusBar>
#include <QtConcurrent>

#include <functional>

namespace coroscope::ui {
namespace {

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

void MainWindow::exportReport(const QString& path) {
    auto finish = [this, path](const QString& error) {
        statusBar()->showMessage(error.isEmpty() ? tr("Report written: %1").arg(path) : error,
                                 error.isEmpty() ? 5000 : 0);
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
