#pragma once

#include "model/cpuprofile.h"
#include "model/runmodel.h"

#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace coroscope {

/// One frame of a captured stack's text, as Symbolizer::format() writes it.
struct StackTextFrame {
    QString function; ///< "0x7f…" when the module has no symbol for it
    QString module;   ///< when the stack names no source line, else empty
    QString file;     ///< base name, with `line` > 0; empty without debug info
    int line = 0;
    QString inlinedInto; ///< the out-of-line function holding an inlined frame, else empty
    QString inlinedIntoFile;
    int inlinedIntoLine = 0;
};

/// Parses "#N function (file:line)", "#N function (module)" lines (innermost first, optionally
/// ending in " [inlined into outer at file:line]"); lines that are not frames (a truncated last
/// line, a note) are skipped. The frames come back in the stack's order, innermost first.
std::vector<StackTextFrame> parseStackText(const QString& stack);

/// The stacks the watchdog captured while slow callbacks blocked the loop, as a CPU profile so
/// that the CPU profile's views show them: one root per task and event type, each stack a path
/// weighted by its block's duration in milliseconds (at least 1), so `samples` × `intervalNs`
/// (1 ms) is the blocked time. Frames are interned by function and module as the sampler does:
/// an inlined frame is its caller and then itself, a frame without a symbol "?? [module]".
/// `dispatchSeq` keeps only that slow callback; a callback without a stack counts under a frame
/// "(no stack captured)", so the totals still add up to the blocked time. A stack names a frame's
/// module only when it has no source line: `modulesFrom` (the session's CPU profile) gives the
/// others the module its frame of the same function has, so a library keeps its colour and its
/// Module column whichever source is shown.
CpuProfile blockedStackProfile(const std::vector<SlowCallback>& callbacks,
                               std::optional<std::uint64_t> dispatchSeq = {},
                               const CpuProfile* modulesFrom = nullptr);

} // namespace coroscope
