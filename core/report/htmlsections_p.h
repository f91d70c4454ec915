#pragma once
// The sections of the HTML report (htmlreport.cpp assembles them).

#include "reading/sessionreader.h"

#include <QString>

namespace coroscope::html {

QString slowCallbacksTable(const RunInfo& run, const RunSnapshot& s);
QString latencyTable(const RunSnapshot& s);
QString loopTable(const RunSnapshot& s);
QString taskTables(const RunInfo& run, const RunSnapshot& s);
QString awaitSitesTable(const RunInfo& run, const RunSnapshot& s);
QString spawnSitesTable(const RunInfo& run, const std::vector<SpawnSite>& sites);
QString memoryTables(const RunSnapshot& s);
QString diagnosticsTable(const RunInfo& run, const RunSnapshot& s);
QString cpuProfileTables(const CpuProfile& profile);

QString loopCharts(const session::SessionData& data);
QString taskCharts(const session::SessionData& data);
QString latencyCharts(const session::SessionData& data);
QString memoryCharts(const session::SessionData& data);
QString cpuFlameGraph(const CpuProfile& profile);

} // namespace coroscope::html
