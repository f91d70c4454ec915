#include "budgetoptions.h"

#include "reportfile.h"
#include "terminaltext.h"

#include <QSaveFile>

#include <cstdio>

namespace coroscope::app {
namespace {

const QString kFailOn = QStringLiteral("fail-on");
const QString kJUnit = QStringLiteral("junit");

} // namespace

QList<QCommandLineOption> BudgetOptions::commandLineOptions() {
    return {
        QCommandLineOption(
            kFailOn,
            QStringLiteral("Fail (exit 3) if EXPR holds, e.g. slow-callbacks>0, max-block>200ms, "
                           "p99(fetch)>50ms, lag.p99>20ms, rss.growth>10MiB/min, "
                           "tasks.failed>0, diagnostics>=warning (repeatable; see docs/ci.md)."),
            QStringLiteral("EXPR")),
        QCommandLineOption(kJUnit,
                           QStringLiteral("Write the budgets as JUnit XML, one test case each (also when all "
                                          "pass)."),
                           QStringLiteral("FILE"))};
}

std::optional<QString> BudgetOptions::parse(const QCommandLineParser& parser, BudgetOptions& out) {
    auto budgets = parseBudgets(parser.values(kFailOn));
    if (const QString* error = std::get_if<QString>(&budgets))
        return *error;
    out.budgets = std::move(std::get<std::vector<Budget>>(budgets));
    if (parser.isSet(kJUnit)) {
        out.junit = parser.value(kJUnit);
        if (auto error = checkWritable(out.junit, QStringLiteral("JUnit file")))
            return QString(QStringLiteral("--junit: ") + *error);
    }
    return std::nullopt;
}

BudgetCheck checkBudgets(const BudgetOptions& options, const session::SessionData& data,
                         const char* command) {
    BudgetCheck check;
    if (!options.any())
        return check;
    const std::vector<BudgetResult> results = evaluate(options.budgets, data);
    int violated = 0;
    int skipped = 0;
    for (const BudgetResult& r : results) {
        violated += r.violated() ? 1 : 0;
        skipped += r.outcome == BudgetResult::Outcome::Skipped ? 1 : 0;
        if (const QString line = budgetLine(r); !line.isEmpty())
            printTerminal(stderr, line + u'\n');
    }
    check.violated = violated > 0;
    if (!results.empty()) {
        const auto passed = int(results.size()) - violated - skipped;
        QStringList parts;
        if (violated)
            parts << QStringLiteral("%1 violated").arg(violated);
        if (passed)
            parts << QStringLiteral("%1 passed").arg(passed);
        if (skipped)
            parts << QStringLiteral("%1 skipped").arg(skipped);
        std::fprintf(stderr, "Budgets: %s\n", parts.join(QStringLiteral(", ")).toUtf8().constData());
    }
    if (!options.junit.isEmpty()) {
        const QByteArray xml = budgetsJUnit(results);
        // QSaveFile: a CI server never reads half a file.
        QSaveFile file(options.junit);
        if (!file.open(QIODevice::WriteOnly) || file.write(xml) != xml.size() || !file.commit()) {
            std::fprintf(stderr, "coroscope %s: cannot write the JUnit file %s: %s\n", command,
                         options.junit.toUtf8().constData(), file.errorString().toUtf8().constData());
            check.junitWritten = false;
        } else {
            std::fprintf(stderr, "JUnit: %s\n", options.junit.toUtf8().constData());
        }
    }
    return check;
}

} // namespace coroscope::app
