#include "reportcommand.h"

#include "budgetoptions.h"
#include "commandhelp.h"
#include "reading/sessionreader.h"
#include "reportfile.h"
#include "terminaltext.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

namespace coroscope::app {
namespace {

constexpr int kWritten = 0;
constexpr int kBadInput = 2;
constexpr int kBudgetViolated = 3;

int fail(const QString& message) {
    printTerminal(stderr, QStringLiteral("coroscope report: ") + message + u'\n');
    return kBadInput;
}

} // namespace

int reportCommand(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Writes a report from a recorded session, and checks budgets against it.\n\n"
                       "Exit codes: 0 written (and no budget violated), 2 bad input, 3 a --fail-on\n"
                       "budget was violated (docs/ci.md)."));
    parser.addPositionalArgument(QStringLiteral("session"), QStringLiteral("The session file (.coroscope)."));
    const QCommandLineOption output(
        {QStringLiteral("o"), QStringLiteral("output")},
        QStringLiteral("The report to write (optional with --fail-on or --junit)."), QStringLiteral("FILE"));
    const QCommandLineOption format(
        QStringLiteral("format"),
        QStringLiteral("Report format: %1 (default: from the extension of FILE).").arg(reportFormatNames()),
        QStringLiteral("F"));
    const QCommandLineOption table(
        QStringLiteral("table"),
        QStringLiteral("The table a CSV report holds: %1 (default: tasks).").arg(csvTableNames()),
        QStringLiteral("T"));
    parser.addOptions({output, format, table});
    parser.addOptions(BudgetOptions::commandLineOptions());
    parser.addOption(helpOption());
    if (!parser.parse(app.arguments().mid(1)))
        return fail(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        printCommandHelp(parser, QStringLiteral("report"));
        return kWritten;
    }
    if (parser.positionalArguments().size() != 1)
        return fail(QStringLiteral("expected exactly one session file (see coroscope report --help)"));
    BudgetOptions budgets;
    if (const auto error = BudgetOptions::parse(parser, budgets))
        return fail(*error);
    // Checking budgets is a use of its own (a CI step after the run): then no report is needed.
    if (!parser.isSet(output) && !budgets.any())
        return fail(QStringLiteral("missing -o FILE (see coroscope report --help)"));
    const QString path = parser.value(output);
    std::optional<ReportFormat> chosen =
        parser.isSet(format) ? reportFormatNamed(parser.value(format)) : reportFormatForPath(path);
    if (!chosen && (parser.isSet(output) || parser.isSet(format)))
        return fail(parser.isSet(format)
                        ? QStringLiteral("--format %1: unknown format (use %2)")
                              .arg(parser.value(format), reportFormatNames())
                        : QStringLiteral("%1: cannot tell the format from the extension (use --format %2)")
                              .arg(path, reportFormatNames()));
    ReportOptions options;
    if (parser.isSet(table)) {
        const std::optional<CsvTable> named = csvTableNamed(parser.value(table));
        if (!named)
            return fail(QStringLiteral("--table %1: unknown table (use %2)")
                            .arg(parser.value(table), csvTableNames()));
        // A silently ignored option would leave the user wondering where the table went.
        if (!chosen || *chosen != ReportFormat::Csv)
            return fail(QStringLiteral("--table applies to CSV reports only"));
        options.csvTable = *named;
    }
    session::SessionData data;
    try {
        data = session::readSession(parser.positionalArguments().front());
    } catch (const session::SessionError& e) {
        return fail(e.message());
    }
    for (const QString& warning : data.warnings)
        std::fprintf(stderr, "coroscope report: warning: %s\n", warning.toUtf8().constData());
    if (!data.finished)
        std::fprintf(stderr,
                     "coroscope report: note: the session was not finished (its runner was killed, crashed, "
                     "or is still running); the report covers what was recorded\n");
    bool reportWritten = true;
    if (parser.isSet(output)) {
        if (const auto error = writeReportFile(path, *chosen, data, options)) {
            fail(*error);
            reportWritten = false; // the budgets are still checked: a CI log wants both
        } else {
            std::fprintf(stderr, "Report: %s\n", path.toUtf8().constData());
        }
    }
    const BudgetCheck check = checkBudgets(budgets, data, "report");
    if (!reportWritten || !check.junitWritten)
        return kBadInput;
    return check.violated ? kBudgetViolated : kWritten;
}

} // namespace coroscope::app
