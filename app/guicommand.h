#pragma once

#include "panels/startpage.h"

#include <QList>
#include <QString>

namespace coroscope::app {

/// The desktop app: `coroscope` opens the window; `coroscope FILE` opens a script (.js,
/// example:NAME) or a session (.coroscope) in it. Without a display: a one-line error, exit 2.
int guiCommand(int argc, char** argv, const QString& file);

/// The built-in examples as the window offers them, each with its source (the window shows an
/// example's text before it runs; the UI library cannot read the binary's resources itself).
QList<ui::StartPage::Example> windowExamples();

/// True if `arg` names something the window opens (rather than a subcommand).
bool opensInGui(const char* arg);

} // namespace coroscope::app
