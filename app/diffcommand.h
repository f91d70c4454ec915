#pragma once

#include <QString>

#include <optional>

namespace coroscope::app {

/// "10%", "10", "2.5%" (percent; a bare number is percent too) as a fraction: 0.1; nothing for
/// a negative, non-finite or malformed value.
std::optional<double> parseTolerance(const QString& text);

/// `coroscope diff A B [-o FILE] [--tolerance 10%]`: compares two recorded sessions, A the
/// baseline and B the candidate. Text to stdout, or a .json, .md or .html file with -o. Exit
/// codes: 0 written (regressions or not: budgets that fail a build are a separate feature),
/// 2 bad input (options, a missing or damaged session, an unwritable output).
int diffCommand(int argc, char** argv);

} // namespace coroscope::app
