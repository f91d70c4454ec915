#pragma once

#include <QString>

#include <cstdio>

namespace coroscope::app {

/// Writes `text` to `stream` as a terminal may show it: names and messages come from scripts and
/// sessions, so control and bidi characters are escaped (escapeForTerminal()), and every byte is
/// written, the text after a NUL included.
void printTerminal(std::FILE* stream, const QString& text);

} // namespace coroscope::app
