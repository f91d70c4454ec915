#pragma once

#include "session/sessionreader.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace coroscope {

/// The report formats `coroscope run --report` and `coroscope report` write.
enum class ReportFormat { Json, Html };

/// From a file name's extension (.json, .html/.htm); nothing for an unknown one.
std::optional<ReportFormat> reportFormatForPath(const QString& path);
/// From a --format value ("json", "html").
std::optional<ReportFormat> reportFormatNamed(const QString& name);
/// The formats' names for messages: "json, html".
QString reportFormatNames();

/// Renders `data` (read from a session, or made from a run's snapshot) in `format`.
QByteArray renderReport(ReportFormat format, const session::SessionData& data);

} // namespace coroscope
