#pragma once

#include "model/cpuprofile.h"
#include "reading/sessionreader.h"

#include <QString>

#include <cstdint>
#include <optional>

namespace coroscope::ui {

/// What the CPU profile view draws: the sampled CPU time, or the stacks the watchdog caught while
/// slow callbacks blocked the loop (all of them, or the one selected in the Event loop view).
enum class CpuProfileSource { CpuSamples, AllBlocks, SelectedBlock };

/// The cost's unit in the view's tables and tooltips: "samples", or "ms" of blocking.
QString cpuProfileUnit(CpuProfileSource source);

/// The honesty line above the view: how many samples of what interval (and so how much CPU
/// time), how many stacks, and what was lost (dropped stacks, samples over the node budget) when
/// anything was; for blocked stacks, how many blocks and how long. `shown`: the cost that passes
/// the filters, said when it is not everything; `blocks`: how many slow callbacks `profile` is
/// of, when not all of the session's (a time range).
QString cpuProfileHeader(const session::SessionData& data, const CpuProfile& profile, CpuProfileSource source,
                         std::uint64_t shown, std::optional<std::size_t> blocks = {});

/// Why there is nothing to draw — a session without a CPU profile, a loop that used no CPU, no
/// slow callbacks, nothing in the time range chosen (`inRange`: `profile` is of a range) — or
/// empty when there is something.
QString cpuProfileEmptyReason(const session::SessionData& data, const CpuProfile& profile,
                              CpuProfileSource source, bool inRange = false);

} // namespace coroscope::ui
