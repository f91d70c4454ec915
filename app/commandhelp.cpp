#include "commandhelp.h"

#include "model/format.h"

#include <cstdio>
#include <cstdlib>

namespace coroscope::app {

QCommandLineOption helpOption() {
    return QCommandLineOption({QStringLiteral("h"), QStringLiteral("help")},
                              QStringLiteral("Show this help."));
}

QString commandHelp(const QCommandLineParser& parser, const QString& command) {
    QString help = parser.helpText();
    // "Usage: /usr/bin/coroscope [options] script": the program is everything up to the first
    // " [options]" (or the end of the line: a parser without options).
    const QString usage = QStringLiteral("Usage: ");
    if (!help.startsWith(usage))
        return help;
    const qsizetype lineEnd = help.indexOf(u'\n');
    qsizetype programEnd = help.indexOf(QStringLiteral(" [options]"), usage.size());
    if (programEnd < 0 || (lineEnd >= 0 && programEnd > lineEnd))
        programEnd = lineEnd < 0 ? help.size() : lineEnd;
    help.replace(usage.size(), programEnd - usage.size(), QStringLiteral("coroscope ") + command);
    return help;
}

void printCommandHelp(const QCommandLineParser& parser, const QString& command) {
    std::fputs(commandHelp(parser, command).toUtf8().constData(), stdout);
}

std::optional<QString> parseCommandLine(QCommandLineParser& parser, const QStringList& arguments,
                                        const QString& command) {
    parser.addOption(helpOption());
    if (!parser.parse(arguments))
        return parser.errorText();
    if (parser.isSet(QStringLiteral("help"))) {
        printCommandHelp(parser, command);
        std::exit(0);
    }
    return std::nullopt;
}

std::optional<QString> readDurationOption(const QCommandLineParser& parser, const QCommandLineOption& option,
                                          std::chrono::nanoseconds& out) {
    if (!parser.isSet(option))
        return std::nullopt;
    const auto value = parseDuration(parser.value(option));
    if (!value)
        return QStringLiteral("--%1: '%2' is not a duration (like 500ms, 10s, 2m)")
            .arg(option.names().front(), parser.value(option));
    out = *value;
    return std::nullopt;
}

} // namespace coroscope::app
