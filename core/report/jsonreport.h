#pragma once

#include "model/cpuprofile.h"
#include "model/runinfo.h"
#include "model/runmodel.h"

#include <QByteArray>
#include <QStringList>

namespace coroscope {

/// Identifier of the JSON report schema (docs/report-json.md). Within it, keys may be added inside
/// objects and items; the top-level keys and the meaning of existing keys never change.
inline constexpr char kJsonReportSchema[] = "coroscope-report/1";

/// The machine-readable report of one run (`coroscope-report/1`), as indented UTF-8 JSON.
/// `readWarnings`: what could not be read of the session it comes from (SessionData::warnings).
/// `cpuProfile`: the loop thread's CPU profile (SessionData::cpuProfile), in `loop.cpu_profile`.
QByteArray toJsonReport(const RunInfo& run, const RunSnapshot& snapshot, const QStringList& readWarnings = {},
                        const CpuProfile& cpuProfile = {});

/// The most tasks and functions `loop.cpu_profile` lists (by samples, then by self samples).
inline constexpr qsizetype kMaxJsonCpuEntries = 100;

} // namespace coroscope
