#include "dialogs/profileprogramdialog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QStandardPaths>

#include <functional>

namespace coroscope::ui {
namespace {

/// A line edit with a "Browse…" button beside it, as one form field.
QWidget* withBrowse(QLineEdit* edit, QWidget* parent, const std::function<void()>& browse) {
    auto* row = new QWidget(parent);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    auto* button = new QPushButton(QObject::tr("Browse…"), row);
    QObject::connect(button, &QPushButton::clicked, row, browse);
    layout->addWidget(button);
    return row;
}

/// `program` as an absolute path: a name without a slash is looked up on PATH, a relative path
/// is taken from `directory` (where launch runs it) or the current one. Empty if not found.
QString resolveProgram(const QString& program, const QString& directory) {
    if (!program.contains(u'/'))
        return QStandardPaths::findExecutable(program);
    const QFileInfo info(QDir(directory.isEmpty() ? QDir::currentPath() : directory), program);
    return info.absoluteFilePath();
}

} // namespace

ProfileProgramDialog::ProfileProgramDialog(const std::optional<ProgramRequest>& last, QWidget* parent)
    : QDialog(parent)
    , m_form(new QFormLayout(this))
    , m_program(new QLineEdit(this))
    , m_arguments(new QLineEdit(this))
    , m_directory(new QLineEdit(this))
    , m_environment(new QPlainTextEdit(this))
    , m_thread(new QLineEdit(this))
    , m_error(new QLabel(this)) {
    setWindowTitle(tr("Profile Program"));
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('M'));
    m_program->setMinimumWidth(em * 32);
    m_program->setPlaceholderText(tr("/path/to/app, or a name on PATH"));
    m_arguments->setPlaceholderText(tr("--flag \"an argument with spaces\""));
    m_directory->setPlaceholderText(QDir::currentPath());
    m_environment->setPlaceholderText(tr("NAME=VALUE, one per line (over this window's environment)"));
    m_environment->setTabChangesFocus(true);
    m_environment->setFixedHeight(m_environment->fontMetrics().lineSpacing() * 5 + 12);
    m_thread->setPlaceholderText(tr("the thread that creates the application object"));
    m_thread->setToolTip(tr("Measure another thread's event loop: its QThread objectName, or its OS name."));
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #cf222e; }"));
    m_error->setWordWrap(true);
    if (last) {
        m_program->setText(last->program);
        m_arguments->setText(last->quotedArguments().join(u' '));
        m_directory->setText(last->workingDirectory);
        m_environment->setPlainText(last->environment.join(u'\n'));
        m_thread->setText(last->thread);
    }
    auto* note =
        new QLabel(tr("Any Qt 6 program, unmodified: Coroscope preloads its probe (coroscope launch). "
                      "A program built with the SDK shows its tasks too."),
                   this);
    note->setWordWrap(true);
    m_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_form->addRow(note);
    m_form->addRow(tr("&Program"), withBrowse(m_program, this, [this] { browseProgram(); }));
    m_form->addRow(tr("&Arguments"), m_arguments);
    m_form->addRow(tr("&Working directory"), withBrowse(m_directory, this, [this] { browseDirectory(); }));
    m_form->addRow(tr("&Environment"), m_environment);
    m_form->addRow(tr("&Thread"), m_thread);
    m_form->addRow(m_error);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Profile"));
    connect(buttons, &QDialogButtonBox::accepted, this, &ProfileProgramDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    m_form->addRow(buttons);
    m_form->setRowVisible(m_error, false);
}

void ProfileProgramDialog::browseProgram() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Program to Profile"), m_directory->text());
    if (!path.isEmpty())
        m_program->setText(path);
}

void ProfileProgramDialog::browseDirectory() {
    const QString path =
        QFileDialog::getExistingDirectory(this, tr("Working Directory"), m_directory->text());
    if (!path.isEmpty())
        m_directory->setText(path);
}

std::optional<ProgramRequest> ProfileProgramDialog::request(QString* error) const {
    ProgramRequest out;
    out.workingDirectory = m_directory->text().trimmed();
    if (!out.workingDirectory.isEmpty() && !QFileInfo(out.workingDirectory).isDir()) {
        *error = tr("Working directory: %1 is not a directory").arg(out.workingDirectory);
        return std::nullopt;
    }
    const QString program = m_program->text().trimmed();
    if (program.isEmpty()) {
        *error = tr("Program: choose the program to run");
        return std::nullopt;
    }
    out.program = resolveProgram(program, out.workingDirectory);
    const QFileInfo info(out.program);
    if (out.program.isEmpty() || !info.exists()) {
        *error = program.contains(u'/') ? tr("Program: %1: no such file").arg(program)
                                        : tr("Program: no '%1' on PATH").arg(program);
        return std::nullopt;
    }
    if (!info.isFile() || !info.isExecutable()) {
        *error = tr("Program: %1 is not an executable file").arg(out.program);
        return std::nullopt;
    }
    out.arguments = QProcess::splitCommand(m_arguments->text());
    static const QRegularExpression assignment(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*="));
    const QStringList lines = m_environment->toPlainText().split(u'\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = lines[i].trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        if (!assignment.match(line).hasMatch()) {
            *error = tr("Environment, line %1: '%2' is not NAME=VALUE").arg(i + 1).arg(line.left(80));
            return std::nullopt;
        }
        out.environment << line;
    }
    out.thread = m_thread->text().trimmed();
    return out;
}

void ProfileProgramDialog::accept() {
    QString problem;
    m_accepted = request(&problem);
    m_error->setText(problem);
    m_form->setRowVisible(m_error, !problem.isEmpty());
    if (!m_accepted)
        return; // stays open with what was typed: the fix is usually small
    QDialog::accept();
}

QString ProfileProgramDialog::error() const {
    return m_error->isHidden() ? QString() : m_error->text();
}

} // namespace coroscope::ui
