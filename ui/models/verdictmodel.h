#pragma once

#include "model/runmodel.h"

#include <QStandardItemModel>

#include <vector>

namespace coroscope::ui {

/// The verdicts of the diagnostic rules, grouped by rule and place (a script line, else a task):
/// ten slow callbacks at one line are one row "×10" with the worst message, its findings below
/// it. Errors first, then by count. Each row knows where it leads (TaskIdRole, LocationRole).
class VerdictModel : public QStandardItemModel {
    Q_OBJECT
public:
    enum Column { Verdict, Where, Count, ColumnCount };
    static constexpr int TaskIdRole = Qt::UserRole + 1;
    static constexpr int LocationRole = Qt::UserRole + 2;
    static constexpr int SeverityRole = Qt::UserRole + 3;
    static constexpr int GroupKeyRole = Qt::UserRole + 4;
    static constexpr int RuleRole = Qt::UserRole + 5;

    explicit VerdictModel(QObject* parent = nullptr);
    /// Rebuilds the groups, unless the findings are the same as last time (a live run shows the
    /// same verdicts ten times a second: the view keeps its expansion and selection). True if
    /// it rebuilt.
    bool setDiagnostics(const std::vector<Diagnostic>& diagnostics);
    /// How many findings there are in all (the groups' counts added up).
    int findings() const noexcept { return m_findings; }
    /// The colour a severity is shown in (the swatch of its rows).
    static QColor severityColor(Severity severity);

private:
    std::vector<std::pair<std::uint64_t, QString>> m_signature;
    int m_findings = 0;
};

} // namespace coroscope::ui
