#pragma once

#include "model/cpuprofile.h"

#include <QString>

#include <cstddef>
#include <cstdint>

namespace coroscope::svg {

/// How a flame graph is laid out and bounded.
struct FlameGraphOptions {
    double width = 1200;         ///< viewBox units; the report scales it to the page
    std::size_t maxBoxes = 5000; ///< the largest boxes are drawn first: past this, the rest are cut
    int maxDepth = 200;          ///< rows below the root; deeper frames are cut
    double minFraction = 0.001;  ///< boxes narrower than this share of the samples (or 1 unit) are hidden
};

/// A drawn flame graph and what it left out.
struct FlameGraph {
    QString svg;                     ///< an inline <svg> element; empty when the profile has no samples
    std::uint64_t samples = 0;       ///< the root's width
    std::size_t boxes = 0;           ///< boxes drawn, the root included
    std::size_t narrowBoxes = 0;     ///< outermost boxes left out as too narrow (their callees with them)
    std::uint64_t narrowSamples = 0; ///< samples of those boxes: drawn as their callers' self time
    std::size_t cutBoxes = 0;        ///< outermost boxes left out by maxBoxes or maxDepth
    std::uint64_t cutSamples = 0;
};

/// The CPU profile as an icicle-style flame graph, root at the top: one root for all samples, each
/// task's label (tasks of one name merged, as in the folded export) the first row, then the
/// functions each called, as wide as their inclusive samples, widest first. Boxes are coloured by
/// module, labelled when they fit, and carry a <title> tooltip (function, module, file:line, self
/// and total samples with their share). Every name is escaped and bounded; there is no script.
FlameGraph flameGraph(const CpuProfile& profile, const FlameGraphOptions& options = {});

} // namespace coroscope::svg
