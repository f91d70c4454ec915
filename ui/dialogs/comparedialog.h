#pragma once

#include "report/sessiondiff.h"

#include <QDialog>
#include <QFuture>

#include <variant>

class QTableWidget;

namespace coroscope::ui {

/// Compare > Sessions: two sessions side by side (coroscope diff's rows), regressions in red and
/// improvements in green.
class CompareDialog : public QDialog {
    Q_OBJECT
public:
    explicit CompareDialog(const SessionDiff& diff, QWidget* parent = nullptr);
    QTableWidget* table() const { return m_table; }

    using Outcome = std::variant<SessionDiff, QString>;
    /// Reads both sessions and compares them on a worker thread (the GUI never waits for the
    /// disk); the error names the file that could not be read.
    static QFuture<Outcome> compareInBackground(const QString& a, const QString& b, double tolerance = 0.10);

private:
    QTableWidget* m_table;
};

} // namespace coroscope::ui
