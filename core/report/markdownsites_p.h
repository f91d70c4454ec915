#pragma once
// The Markdown report's await-site and spawn-site tables (markdownreport.cpp assembles them).

#include "model/runmodel.h"
#include "model/spawnsite.h"

#include <QString>

#include <vector>

namespace coroscope::markdown {

/// The 10 await sites with the most suspended time, with their percentiles.
QString awaitSitesSection(const RunSnapshot& s);
/// The 10 spawn sites with the most tasks alive at main's end, then spawned.
QString spawnSitesSection(const std::vector<SpawnSite>& sites);

} // namespace coroscope::markdown
