#pragma once

#include "model/runinfo.h"
#include "model/runmodel.h"

#include <QString>

namespace coroscope {

/// The short human summary `coroscope run` prints on stderr: status, tasks by state, loop lag,
/// slow callbacks with their top frames, latency metrics, diagnostics, drops.
QString textSummary(const RunInfo* info, const RunSnapshot& snapshot);

} // namespace coroscope
