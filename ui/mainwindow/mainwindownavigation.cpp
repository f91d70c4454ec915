// MainWindow's ways from one panel to another (a verdict to its task, a script line to its slow
// callback), comparing sessions, saving the script.
#include "charts/timechart.h"
#include "dialogs/comparedialog.h"
#include "dialogs/runsettingsdialog.h"
#include "mainwindow/mainwindow.h"
#include "model/format.h"
#include "models/slowcallbackmodel.h"
#include "models/tasktablemodel.h"
#include "panels/scripteditor.h"
#include "panels/startpage.h"
#include "report/scriptlocation.h"

#include <QAction>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
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

void MainWindow::compareSessions(const QString& a, const QString& b) {
    auto* watcher = new QFutureWatcher<CompareDialog::Outcome>(this);
    connect(watcher, &QFutureWatcher<CompareDialog::Outcome>::finished, this, [this, watcher] {
        watcher->deleteLater();
        const CompareDialog::Outcome outcome = watcher->result();
        if (const auto* error = std::get_if<QString>(&outcome)) {
            warnLater(tr("Compare Sessions"), *error);
            return;
        }
        auto* dialog = new CompareDialog(std::get<SessionDiff>(outcome), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
        Q_EMIT compared(dialog);
    });
    watcher->setFuture(CompareDialog::compareInBackground(a, b));
}

void MainWindow::showSlowLine(int line) {
    if (!m_data)
        return;
    const QString scriptFile = scriptFileName(m_data->info.script);
    for (int row = 0; row < m_slow->rowCount(); ++row) {
        const QString location = m_slow->index(row, SlowCallbackModel::Location).data().toString();
        if (lineInScript(location, scriptFile) != line)
            continue;
        auto* proxy = static_cast<QSortFilterProxyModel*>(m_slowView->model());
        m_slowView->setCurrentIndex(proxy->mapFromSource(m_slow->index(row, 0)));
        showView(View::EventLoop);
        return;
    }
}

void MainWindow::warnLater(const QString& title, const QString& text) {
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

bool MainWindow::saveScript() {
    if (m_script.isEmpty() || m_script.startsWith(QLatin1String("example:")))
        return false;
    QSaveFile file(m_script);
    const QByteArray text = m_source->toPlainText().toUtf8();
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size() || !file.commit()) {
        statusBar()->showMessage(tr("cannot save %1: %2").arg(m_script, file.errorString()));
        return false;
    }
    m_source->document()->setModified(false);
    statusBar()->showMessage(tr("Saved %1").arg(m_script), 5000);
    return true;
}

} // namespace coroscope::ui
