#pragma once

#include "report/runinfo.h"
#include "runmodel.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace coroscope {

/// Identifier of the JSON report schema (docs/report-json.md). Within it, keys may be added inside
/// objects and items; the top-level keys and the meaning of existing keys never change.
inline constexpr char kJsonReportSchema[] = "coroscope-report/1";

/// The machine-readable report of one run (`coroscope-report/1`), as indented UTF-8 JSON.
QByteArray toJsonReport(const RunInfo& run, const RunSnapshot& snapshot);

/// Checks that `json` is a `coroscope-report/1` document: exactly the top-level keys, every required
/// nested key with its JSON type. Returns a text naming the first problem (with its path, e.g.
/// "tasks.items[0].busy_ms"), or nullopt when the document is valid.
std::optional<QString> validateJsonReport(const QByteArray& json);

} // namespace coroscope
