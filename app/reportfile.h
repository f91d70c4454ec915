#pragma once

#include "report/reportformat.h"

#include <QStringList>

#include <optional>

namespace coroscope::app {

/// Checked before a run, so a typo in a path does not cost a whole run: the error, if any.
/// `what` names the file in it ("report", "JUnit file").
std::optional<QString> checkWritable(const QString& path, const QString& what = QStringLiteral("report"));

/// Checks each `--report` path before a run: a known format (from the extension) and writable.
/// The first error, naming the path and the cause.
std::optional<QString> checkReportPaths(const QStringList& paths);

/// Renders and writes one report; on failure the error names the file and the cause.
std::optional<QString> writeReportFile(const QString& path, ReportFormat format,
                                       const session::SessionData& data, const ReportOptions& options = {});

} // namespace coroscope::app
