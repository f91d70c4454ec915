// MainWindow's programs of the user's: File > Profile Program… runs one under `coroscope launch`
// (the same runner process path as a script: RunController), and File > Recent remembers them.
#include "dialogs/profileprogramdialog.h"
#include "mainwindow/mainwindow.h"
#include "panels/scripteditor.h"

#include <QFileInfo>
#include <QSettings>
#include <QStatusBar>

namespace coroscope::ui {
namespace {

const QString kRecentProgramsKey = QStringLiteral("recentPrograms");
constexpr int kMaxRecentPrograms = 10;

} // namespace

QList<ProgramRequest> MainWindow::recentPrograms() const {
    QList<ProgramRequest> programs;
    for (const QString& json : QSettings().value(kRecentProgramsKey).toStringList())
        if (const auto program = ProgramRequest::fromJson(json))
            programs << *program;
    return programs;
}

void MainWindow::addRecentProgram(const ProgramRequest& program) {
    QStringList entries;
    entries << program.toJson();
    for (const ProgramRequest& other : recentPrograms())
        if (!(other == program) && entries.size() < kMaxRecentPrograms)
            entries << other.toJson();
    QSettings().setValue(kRecentProgramsKey, entries);
    showRecent();
}

void MainWindow::profileProgramInteractively() {
    const QList<ProgramRequest> recent = recentPrograms();
    ProfileProgramDialog dialog(recent.isEmpty() ? std::nullopt : std::optional(recent.first()), this);
    if (dialog.exec() == QDialog::Accepted && dialog.accepted())
        profileProgram(*dialog.accepted());
}

bool MainWindow::profileProgram(const ProgramRequest& program) {
    // The window follows one run at a time: a run going on ends here, its session saved.
    m_tail->stop();
    if (m_runner->isRunning())
        m_runner->stop();
    m_script.clear();
    m_program = program;
    setWindowTitle(tr("%1 — Coroscope").arg(QFileInfo(program.program).fileName()));
    // No script to show or edit: the Script view says what runs instead.
    m_source->setPlainText(QString());
    m_source->setReadOnly(true);
    m_source->document()->setModified(false);
    addRecentProgram(program);
    if (m_runner->isRunning()) {
        // Stopping takes a moment (the runner flushes its session); Run starts this one after.
        statusBar()->showMessage(
            tr("Stopping the run in progress; press Run (F5) to profile %1.").arg(program.commandLine()));
        clearShown(tr("%1: press Run (F5).").arg(program.commandLine().toHtmlEscaped()));
        return false;
    }
    run();
    return true;
}

} // namespace coroscope::ui
