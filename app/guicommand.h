#pragma once

#include <QString>

namespace coroscope::app {

/// The desktop app: `coroscope` opens the window; `coroscope FILE` opens a script (.js,
/// example:NAME) or a session (.coroscope) in it. Without a display: a one-line error, exit 2.
int guiCommand(int argc, char** argv, const QString& file);

/// True if `arg` names something the window opens (rather than a subcommand).
bool opensInGui(const char* arg);

} // namespace coroscope::app
