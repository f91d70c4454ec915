#pragma once

#include "run/runcontroller.h"

#include <QDialog>

class QLineEdit;
class QSpinBox;

namespace coroscope::ui {

/// Run > Settings: slow-callback threshold, duration, seed and params of the next run.
class RunSettingsDialog : public QDialog {
    Q_OBJECT
public:
    RunSettingsDialog(const RunRequest& current, QWidget* parent = nullptr);
    /// `base` with the settings from the form; nullopt (with a message) if a field is invalid.
    std::optional<RunRequest> apply(RunRequest base, QString* error) const;

    QSpinBox* thresholdBox() const { return m_threshold; }
    QLineEdit* paramsEdit() const { return m_params; }
    QLineEdit* seedEdit() const { return m_seed; }

private:
    QSpinBox* m_threshold;
    QSpinBox* m_duration;
    QLineEdit* m_seed;
    QLineEdit* m_params;
};

} // namespace coroscope::ui
