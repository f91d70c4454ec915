#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace coroscope {

/// Checks that `json` is a `coroscope-report/1` document (docs/report-json.md): exactly the
/// top-level keys, every required nested key with its JSON type. Returns a text naming the first
/// problem (with its path, e.g. "tasks.items[0].busy_ms"), or nullopt when the document is valid.
/// For the tests: the reports Coroscope writes, and the schema's example in the docs.
std::optional<QString> validateJsonReport(const QByteArray& json);

} // namespace coroscope
