#pragma once

#include "report/sessiondiff.h"

#include <QDialog>
#include <QFuture>

#include <variant>

class QCheckBox;
class QLabel;
class QTableWidget;

namespace coroscope::ui {

/// Compare > Sessions: two sessions side by side (coroscope diff's rows), regressions first and in
/// red, then improvements in green, then the rest; "Changes only" hides what did not change; a
/// warning when A and B ran different scripts; Export writes the diff as `coroscope diff -o` does.
class CompareDialog : public QDialog {
    Q_OBJECT
public:
    explicit CompareDialog(const SessionDiff& diff, QWidget* parent = nullptr);
    QTableWidget* table() const { return m_table; }
    QCheckBox* changesOnlyBox() const { return m_changesOnly; }
    /// The warning above the table, empty when A and B ran the same script.
    QString scriptWarning() const { return m_scriptWarning; }
    /// Writes the diff to `path`: JSON, Markdown or HTML by its extension. The error, empty on success.
    QString exportTo(const QString& path) const;

    /// Why A and B may not be comparable: they ran different scripts, or the same one edited in
    /// between. Empty when the scripts are the same.
    static QString scriptMismatch(const SessionDiff& diff);
    /// The rows' indexes as shown: regressions, then improvements, then the rest, each group in
    /// the diff's own order (section by section).
    static std::vector<std::size_t> displayOrder(const SessionDiff& diff);
    /// Whether a row changed: a verdict either way, or an unjudged value that differs (or that
    /// one side lacks).
    static bool isChange(const DiffRow& row);

    using Outcome = std::variant<SessionDiff, QString>;
    /// Reads both sessions and compares them on a worker thread (the GUI never waits for the
    /// disk); the error names the file that could not be read.
    static QFuture<Outcome> compareInBackground(const QString& a, const QString& b, double tolerance = 0.10);

private:
    void showChangesOnly(bool only);
    void exportInteractively();

    SessionDiff m_diff;
    std::vector<std::size_t> m_order;
    QString m_scriptWarning;
    QTableWidget* m_table;
    QCheckBox* m_changesOnly;
    QLabel* m_exportStatus;
};

} // namespace coroscope::ui
