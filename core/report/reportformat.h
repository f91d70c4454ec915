#pragma once

#include "report/csvreport.h"
#include "session/sessionreader.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace coroscope {

/// The report formats `coroscope run --report` and `coroscope report` write.
enum class ReportFormat { Json, Html, Csv, Markdown };

/// From a file name's extension (.json, .html/.htm, .csv, .md); nothing for an unknown one.
std::optional<ReportFormat> reportFormatForPath(const QString& path);
/// From a --format value ("json", "html", "csv", "md").
std::optional<ReportFormat> reportFormatNamed(const QString& name);
/// The formats' names for messages: "json, html, csv, md".
QString reportFormatNames();
/// The extensions for messages: ".json, .html, .csv, .md".
QString reportExtensions();

/// What only some formats take; the others ignore it.
struct ReportOptions {
    CsvTable csvTable = CsvTable::Tasks; ///< the one table a CSV report holds
};

/// Renders `data` (read from a session, or made from a run's snapshot) in `format`.
QByteArray renderReport(ReportFormat format, const session::SessionData& data,
                        const ReportOptions& options = {});

} // namespace coroscope
