#pragma once

#include "run/runcontroller.h"

#include <QDialog>

#include <optional>

class QFormLayout;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace coroscope::ui {

/// Run > Settings: slow-callback threshold, duration, seed and params of the next run (the
/// threshold also changes the run in progress). OK checks the fields first: a bad one keeps the
/// dialog open, with what is wrong said under that field and every edit kept.
class RunSettingsDialog : public QDialog {
    Q_OBJECT
public:
    RunSettingsDialog(const RunRequest& current, QWidget* parent = nullptr);
    /// `base` with the settings from the form; nullopt (with a message) if a field is invalid.
    std::optional<RunRequest> apply(RunRequest base, QString* error) const;
    /// The settings OK accepted (`current` with the form's fields); nothing before that.
    const std::optional<RunRequest>& settings() const { return m_accepted; }
    /// Says which fields change the run in progress (only the threshold) and which wait for the
    /// next run.
    void setRunInProgress(bool running);
    /// Checks the fields: closes with settings() on success, stays open on a bad field.
    void accept() override;

    QSpinBox* thresholdBox() const { return m_threshold; }
    QSpinBox* durationBox() const { return m_duration; }
    QLineEdit* paramsEdit() const { return m_params; }
    QLineEdit* seedEdit() const { return m_seed; }
    /// The error shown under the seed or the parameters; empty while that field is fine.
    QString seedError() const;
    QString paramsError() const;
    /// The note on what applies to the run in progress; hidden while no run goes on.
    QLabel* runNote() const { return m_runNote; }

private:
    /// What is wrong with the field, or nothing; `seed` gets the value when there is one.
    std::optional<QString> checkSeed(std::optional<std::uint64_t>* seed) const;
    std::optional<QString> checkParams(std::vector<std::pair<QString, QString>>* params) const;
    void showError(QLineEdit* field, QLabel* label, const QString& error);

    RunRequest m_current;
    std::optional<RunRequest> m_accepted;
    QFormLayout* m_form;
    QLabel* m_runNote;
    QSpinBox* m_threshold;
    QSpinBox* m_duration;
    QLineEdit* m_seed;
    QLabel* m_seedError;
    QLineEdit* m_params;
    QLabel* m_paramsError;
};

} // namespace coroscope::ui
