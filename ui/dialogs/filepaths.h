#pragma once

#include <QString>
#include <QStringList>

namespace coroscope::ui {

// Where the window's file dialogs start and what they add to a typed name: shared by File > Export
// Report, File > Open Session, Compare > Sessions and the comparison's Export.

/// $XDG_DATA_HOME/coroscope/sessions, where runs record their sessions (created if missing).
QString sessionsDirectory();

/// ".trace.json" from "Chrome trace (*.trace.json)": the filter's first pattern's extension, or
/// nothing for a filter without one ("All files (*)").
QString filterExtension(const QString& filter);

/// `path` as the user typed it, with the chosen filter's extension added when it ends with none of
/// the `filters`' extensions: "report" with "HTML (*.html)" becomes "report.html", "report.json"
/// stays as it is whatever the filter.
QString withFilterExtension(const QString& path, const QString& chosenFilter, const QStringList& filters);

/// The directory the last export went to, if it still exists; `fallback` otherwise.
QString lastExportDirectory(const QString& fallback);
/// Remembers `file`'s directory for the next export (QSettings).
void rememberExportDirectory(const QString& file);

/// "blocking-call-2025-03-14": the script's base name (a path or example:NAME) and today's date, the
/// name an export suggests; "session-…" without a script.
QString datedBaseName(const QString& script);

} // namespace coroscope::ui
