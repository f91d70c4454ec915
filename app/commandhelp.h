#pragma once

#include <QCommandLineOption>
#include <QCommandLineParser>

#include <chrono>
#include <optional>

namespace coroscope::app {

/// `-h, --help` for a subcommand. Not QCommandLineParser::addHelpOption(): it also lists
/// `--help-all` ("including Qt specific options"), which the subcommands never handled.
QCommandLineOption helpOption();

/// The parser's help with the usage line naming the subcommand ("Usage: coroscope run
/// [options] script") instead of argv[0], which is whatever path the binary was started by.
QString commandHelp(const QCommandLineParser& parser, const QString& command);

/// Prints commandHelp() to stdout.
void printCommandHelp(const QCommandLineParser& parser, const QString& command);

/// Reads a duration option ("500ms", "10s", "2m") into `out` when it is set; the error naming
/// the option and the value if it is not a duration.
std::optional<QString> readDurationOption(const QCommandLineParser& parser, const QCommandLineOption& option,
                                          std::chrono::nanoseconds& out);

/// Adds helpOption(), parses `arguments`, and with --help prints the help and exits 0. The
/// parser's error text if the arguments do not parse.
std::optional<QString> parseCommandLine(QCommandLineParser& parser, const QStringList& arguments,
                                        const QString& command);

} // namespace coroscope::app
