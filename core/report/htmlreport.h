#pragma once

#include "report/runinfo.h"
#include "runmodel.h"

#include <QByteArray>

namespace coroscope {

/// A self-contained HTML page (inline CSS, no script, no external resources) for reading one run:
/// verdicts first, then slow callbacks, latency, loop health, tasks, memory and the script source.
/// Every string from the script or the run is HTML-escaped and bounded in length, because task names,
/// messages and the source are written by whoever wrote the script.
QByteArray toHtmlReport(const RunInfo& run, const RunSnapshot& snapshot);

} // namespace coroscope
