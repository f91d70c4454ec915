#pragma once

#include <QCommandLineOption>
#include <QString>

#include <optional>

namespace coroscope::app {

/// `$XDG_DATA_HOME/coroscope/sessions/NAME-YYYYMMDD-HHMMSS.coroscope` for a run of `name` (a
/// script, example:NAME or a program), a new file name each time; nullopt and `error` if the
/// directory cannot be made.
std::optional<QString> defaultSessionPath(const QString& name, QString& error);

/// `--session FILE`, as `run` and `launch` both take it (defaultSessionPath() when not given).
QCommandLineOption sessionOption();

} // namespace coroscope::app
