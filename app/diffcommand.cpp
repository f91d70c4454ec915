#include "diffcommand.h"

#include "commandhelp.h"
#include "reading/sessionreader.h"
#include "report/sessiondiff.h"
#include "terminaltext.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QRegularExpression>
#include <QSaveFile>

#include <cmath>
#include <cstdio>

namespace coroscope::app {
namespace {

constexpr int kWritten = 0;
constexpr int kBadInput = 2;

int fail(const QString& message) {
    printTerminal(stderr, QStringLiteral("coroscope diff: ") + message + u'\n');
    return kBadInput;
}

enum class DiffFormat { Json, Markdown, Html };

std::optional<DiffFormat> diffFormatForPath(const QString& path) {
    if (path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive))
        return DiffFormat::Json;
    if (path.endsWith(QLatin1String(".md"), Qt::CaseInsensitive) ||
        path.endsWith(QLatin1String(".markdown"), Qt::CaseInsensitive))
        return DiffFormat::Markdown;
    if (path.endsWith(QLatin1String(".html"), Qt::CaseInsensitive) ||
        path.endsWith(QLatin1String(".htm"), Qt::CaseInsensitive))
        return DiffFormat::Html;
    return std::nullopt;
}

} // namespace

std::optional<double> parseTolerance(const QString& text) {
    static const QRegularExpression pattern(QStringLiteral("^\\s*(\\d+(?:\\.\\d+)?)\\s*%?\\s*$"));
    const QRegularExpressionMatch m = pattern.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    const double percent = m.captured(1).toDouble();
    if (!std::isfinite(percent))
        return std::nullopt;
    return percent / 100.0;
}

int diffCommand(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    // QCommandLineParser prints the description as it is: the line breaks are ours.
    parser.setApplicationDescription(
        QStringLiteral("Compares two recorded sessions: latency percentiles, slow callbacks, tasks by\n"
                       "state, diagnostics, memory and loop lag, with deltas and ratios. A change\n"
                       "beyond the tolerance is a regression (B worse than A) or an improvement.\n\n"
                       "Prints the comparison, or writes it with -o. Exit codes: 0 compared,\n"
                       "2 bad input (regressions do not change it)."));
    parser.addPositionalArgument(QStringLiteral("A"), QStringLiteral("The baseline session (.coroscope)."));
    parser.addPositionalArgument(QStringLiteral("B"), QStringLiteral("The session compared with it."));
    const QCommandLineOption output({QStringLiteral("o"), QStringLiteral("output")},
                                    QStringLiteral("Write the diff to FILE (.json, .md, .html) instead of "
                                                   "printing it."),
                                    QStringLiteral("FILE"));
    const QCommandLineOption tolerance(
        QStringLiteral("tolerance"), QStringLiteral("Relative change that counts, in percent (default 10%)."),
        QStringLiteral("P"));
    parser.addOptions({output, tolerance});
    parser.addOption(helpOption());
    if (!parser.parse(app.arguments().mid(1)))
        return fail(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        printCommandHelp(parser, QStringLiteral("diff"));
        return kWritten;
    }
    const QStringList sessions = parser.positionalArguments();
    if (sessions.size() != 2)
        return fail(QStringLiteral("expected two session files, A and B (see coroscope diff --help)"));
    double fraction = 0.10;
    if (parser.isSet(tolerance)) {
        const auto parsed = parseTolerance(parser.value(tolerance));
        if (!parsed)
            return fail(QStringLiteral("--tolerance: '%1' is not a percentage (like 10%)")
                            .arg(parser.value(tolerance)));
        fraction = *parsed;
    }
    std::optional<DiffFormat> format;
    if (parser.isSet(output)) {
        format = diffFormatForPath(parser.value(output));
        if (!format)
            return fail(
                QStringLiteral("%1: cannot tell the format from the extension (use .json, .md or .html)")
                    .arg(parser.value(output)));
    }
    session::SessionData a, b;
    try {
        a = session::readSession(sessions[0]);
        b = session::readSession(sessions[1]);
    } catch (const session::SessionError& e) {
        return fail(e.message());
    }
    for (const session::SessionData* s : {&a, &b})
        if (!s->finished)
            std::fprintf(stderr,
                         "coroscope diff: note: %s was not finished (its runner was killed, crashed, or is "
                         "still running); the diff covers what was recorded\n",
                         s->path.toUtf8().constData());
    const SessionDiff diff = diffSessions(a, b, fraction);
    if (!format) {
        printTerminal(stdout, diffText(diff));
        return kWritten;
    }
    const QByteArray bytes = *format == DiffFormat::Json       ? diffJson(diff)
                             : *format == DiffFormat::Markdown ? diffMarkdown(diff)
                                                               : diffHtml(diff);
    const QString path = parser.value(output);
    QSaveFile file(path); // complete or not there
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    printTerminal(stderr, diffSummary(diff) + QStringLiteral("\nDiff: ") + path + u'\n');
    return kWritten;
}

} // namespace coroscope::app
