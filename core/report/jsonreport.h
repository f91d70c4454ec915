#pragma once

#include "model/cpuprofile.h"
#include "model/runinfo.h"
#include "model/runmodel.h"
#include "model/spawnsite.h"

#include <QByteArray>
#include <QStringList>

#include <vector>

namespace coroscope {

/// Identifier of the JSON report schema (docs/report-json.md). Within it, keys may be added inside
/// objects and items; the top-level keys and the meaning of existing keys never change.
inline constexpr char kJsonReportSchema[] = "coroscope-report/1";

/// The machine-readable report of one run (`coroscope-report/1`), as indented UTF-8 JSON.
/// `readWarnings`: what could not be read of the session it comes from (SessionData::warnings).
/// `cpuProfile`: the loop thread's CPU profile (SessionData::cpuProfile), in `loop.cpu_profile`.
/// `spawnSites`: SessionData::spawnSites, in `tasks.spawn_sites`; null: folded from the snapshot's tasks.
QByteArray toJsonReport(const RunInfo& run, const RunSnapshot& snapshot, const QStringList& readWarnings = {},
                        const CpuProfile& cpuProfile = {},
                        const std::vector<SpawnSite>* spawnSites = nullptr);

/// The most await sites `tasks.await_sites` lists (by total suspended time).
inline constexpr qsizetype kMaxJsonAwaitSites = 100;
/// The most spawn sites `tasks.spawn_sites` lists (by live_end, then spawned).
inline constexpr qsizetype kMaxJsonSpawnSites = 100;

/// The most tasks and functions `loop.cpu_profile` lists (by samples, then by self samples).
inline constexpr qsizetype kMaxJsonCpuEntries = 100;

} // namespace coroscope
