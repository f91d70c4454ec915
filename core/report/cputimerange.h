#pragma once

#include "model/cpuprofile.h"
#include "model/runmodel.h"

#include <cstdint>
#include <vector>

namespace coroscope {

/// A span of the run, both ends included (ns, absolute, as in the session): a range selected in
/// the timeline.
struct TimeRange {
    std::int64_t fromNs = 0;
    std::int64_t toNs = 0;

    bool overlaps(std::int64_t startNs, std::int64_t endNs) const noexcept {
        return startNs <= toNs && endNs >= fromNs;
    }
    friend bool operator==(const TimeRange&, const TimeRange&) = default;
};

/// The profile of the samples taken in `range`: the same frames, names and tree, each node's own
/// samples counted again from the timed samples (CpuProfile::samples) whose time falls in it, so
/// every view of a profile shows the range unchanged. The counters are the range's: samples,
/// stacks and samples of "(other tasks)"; stacks dropped and samples over the node budget carry
/// no time and are not counted in any range. `untimedSamples` keeps the whole profile's count
/// when the range reaches past the last timed sample (samples after the cap are in no range).
CpuProfile cpuProfileInRange(const CpuProfile& profile, TimeRange range);

/// The slow callbacks that held the loop during any part of `range` (an ongoing one up to now).
std::vector<SlowCallback> slowCallbacksInRange(const std::vector<SlowCallback>& callbacks, TimeRange range);

} // namespace coroscope
