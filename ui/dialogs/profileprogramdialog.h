#pragma once

#include "run/runcontroller.h"

#include <QDialog>

#include <optional>

class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace coroscope::ui {

/// File > Profile Program…: a program of the user's, its arguments, working directory,
/// environment and the thread to measure, for `coroscope launch`. OK checks the fields (the
/// program exists and is executable, the directory exists, each environment line is NAME=VALUE)
/// and stays open on a bad one, naming it; whether the program is a Qt 6 one, launch says.
class ProfileProgramDialog : public QDialog {
    Q_OBJECT
public:
    explicit ProfileProgramDialog(const std::optional<ProgramRequest>& last, QWidget* parent = nullptr);

    /// The form as a request, or the first problem with it (the field named).
    std::optional<ProgramRequest> request(QString* error) const;
    /// What OK accepted; nothing before that.
    const std::optional<ProgramRequest>& accepted() const { return m_accepted; }
    void accept() override;

    QLineEdit* programEdit() const { return m_program; }
    QLineEdit* argumentsEdit() const { return m_arguments; }
    QLineEdit* directoryEdit() const { return m_directory; }
    QPlainTextEdit* environmentEdit() const { return m_environment; }
    QLineEdit* threadEdit() const { return m_thread; }
    /// The error shown above the buttons; empty while there is none.
    QString error() const;

private:
    void browseProgram();
    void browseDirectory();

    QFormLayout* m_form;
    QLineEdit* m_program;
    QLineEdit* m_arguments;
    QLineEdit* m_directory;
    QPlainTextEdit* m_environment;
    QLineEdit* m_thread;
    QLabel* m_error;
    std::optional<ProgramRequest> m_accepted;
};

} // namespace coroscope::ui
