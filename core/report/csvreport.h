#pragma once

#include "reading/sessionreader.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace coroscope {

/// The tables a CSV report can hold; one table per file, since CSV has no sections.
enum class CsvTable { Tasks, SlowCallbacks, Latency, TimeSeries, AwaitSites, SpawnSites };

/// "tasks", "slow_callbacks", "latency", "timeseries": the --table values.
QString csvTableName(CsvTable table);
std::optional<CsvTable> csvTableNamed(const QString& name);
/// "tasks, slow_callbacks, latency, timeseries", for messages.
QString csvTableNames();

/// One field as RFC 4180 writes it: quoted when it holds a comma, a quote, CR or LF, with its
/// quotes doubled. No formula guard: see csvText().
QString csvField(const QString& text);

/// A text field from the profiled program: csvField() of it, with a single quote put before a
/// leading = + - @ TAB or CR, so that a spreadsheet opening the file shows the text instead of
/// evaluating it as a formula (CSV injection). Numbers never go through this.
QString csvText(const QString& text);

/// `table` of `data` as RFC 4180 CSV: a header row, CRLF line ends, UTF-8 without a BOM, '.' as
/// the decimal point whatever the locale. Columns and units follow the JSON report
/// (docs/report-formats.md, CSV).
QByteArray toCsvReport(const session::SessionData& data, CsvTable table);

} // namespace coroscope
