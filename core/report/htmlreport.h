#pragma once

#include "model/runinfo.h"
#include "model/runmodel.h"
#include "reading/sessionreader.h"

#include <QByteArray>

namespace coroscope {

/// A self-contained HTML page (inline CSS, inline SVG charts, one inline script that sorts the
/// tables, allowed by hash in the page's CSP; no external resources) for reading one run:
/// verdicts first, then charts, tables, and the script source with the slow lines marked.
/// Every string from the script or the run is HTML-escaped and bounded in length, because task
/// names, messages and the source are written by whoever wrote the script.
QByteArray toHtmlReport(const session::SessionData& data);
/// The same without a session's time series (no charts over time).
QByteArray toHtmlReport(const RunInfo& run, const RunSnapshot& snapshot);

} // namespace coroscope
