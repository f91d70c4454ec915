#pragma once

#include "report/budget.h"

#include <QCommandLineOption>
#include <QCommandLineParser>

#include <optional>
#include <vector>

namespace coroscope::app {

/// `--fail-on EXPR` (repeatable) and `--junit FILE`, which `run` and `report` share (docs/ci.md).
struct BudgetOptions {
    std::vector<Budget> budgets;
    QString junit; ///< empty: no JUnit file

    /// The two options, for QCommandLineParser::addOptions().
    static QList<QCommandLineOption> commandLineOptions();
    /// Parses them from a parser that has them; the error (a malformed expression, an unwritable
    /// JUnit path), if any. Called before any work, so a typo costs nothing.
    static std::optional<QString> parse(const QCommandLineParser& parser, BudgetOptions& out);

    bool any() const { return !budgets.empty() || !junit.isEmpty(); }
};

struct BudgetCheck {
    bool violated = false;    ///< some budget is violated: exit 3, unless something worse happened
    bool junitWritten = true; ///< false: the JUnit file could not be written (already said on stderr)
};

/// Evaluates the budgets on `data`, prints the violated and skipped ones and a summary line on
/// stderr, writes the JUnit file if asked. `command` prefixes error messages ("run", "report").
BudgetCheck checkBudgets(const BudgetOptions& options, const session::SessionData& data, const char* command);

} // namespace coroscope::app
