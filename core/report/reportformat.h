#pragma once

#include "reading/sessionreader.h"
#include "report/csvreport.h"

#include <QByteArray>
#include <QString>

#include <optional>

class QIODevice;

namespace coroscope {

/// The report formats `coroscope run --report` and `coroscope report` write.
enum class ReportFormat { Json, Html, Csv, Markdown, ChromeTrace, Folded, Speedscope };

/// From a file name's extension (.trace.json, .speedscope.json, .json, .html/.htm, .csv, .md,
/// .folded); nothing for an unknown one.
std::optional<ReportFormat> reportFormatForPath(const QString& path);
/// From a --format value ("json", "html", "csv", "md", "chrome", "folded", "speedscope").
std::optional<ReportFormat> reportFormatNamed(const QString& name);
/// The formats' names for messages: "json, html, csv, md, chrome, folded, speedscope".
QString reportFormatNames();
/// The extensions for messages: ".json, .html, .csv, .md, .trace.json, .folded, .speedscope.json".
QString reportExtensions();

/// What only some formats take; the others ignore it.
struct ReportOptions {
    CsvTable csvTable = CsvTable::Tasks; ///< the one table a CSV report holds
};

/// Renders `data` (read from a session, or made from a run's snapshot) in `format`. Throws
/// session::SessionError when a format that streams from the session file cannot read it.
QByteArray renderReport(ReportFormat format, const session::SessionData& data,
                        const ReportOptions& options = {});

/// Writes `data` in `format` to `out`, streaming where the format allows (a Chrome trace of
/// millions of segments is never held in memory). The error, if any: an unreadable session file,
/// or the device's error string when a write failed.
std::optional<QString> writeReport(ReportFormat format, const session::SessionData& data, QIODevice& out,
                                   const ReportOptions& options = {});

} // namespace coroscope
