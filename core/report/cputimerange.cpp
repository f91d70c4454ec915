#include "report/cputimerange.h"

#include <algorithm>

namespace coroscope {

CpuProfile cpuProfileInRange(const CpuProfile& profile, TimeRange range) {
    CpuProfile out;
    out.intervalNs = profile.intervalNs;
    out.frames = profile.frames;
    out.nodes = profile.nodes;
    out.taskNames = profile.taskNames;
    for (CpuNode& node : out.nodes)
        node.selfSamples = 0;
    // The samples are in time order: the range is one slice of them.
    const auto byTime = [](const CpuSample& s, std::int64_t t) { return s.tNs < t; };
    const auto first = std::lower_bound(profile.samples.begin(), profile.samples.end(), range.fromNs, byTime);
    const auto last =
        std::find_if(first, profile.samples.end(), [&](const CpuSample& s) { return s.tNs > range.toNs; });
    out.samples.assign(first, last);
    CpuProfileCounters& c = out.counters;
    for (const CpuSample& s : out.samples) {
        if (s.node == 0 || s.node >= out.nodes.size())
            continue; // a sample of a node the reader did not keep: not in the tree either
        CpuNode& node = out.nodes[s.node];
        node.selfSamples += s.weight;
        c.samples += s.weight;
        ++c.stacks;
        if (node.taskId == CpuProfile::kOtherTasks)
            c.otherTaskSamples += s.weight;
    }
    const bool pastTheTimed = profile.samples.empty() || range.toNs > profile.samples.back().tNs;
    c.untimedSamples = pastTheTimed ? profile.counters.untimedSamples : 0;
    return out;
}

std::vector<SlowCallback> slowCallbacksInRange(const std::vector<SlowCallback>& callbacks, TimeRange range) {
    std::vector<SlowCallback> out;
    std::copy_if(callbacks.begin(), callbacks.end(), std::back_inserter(out), [&](const SlowCallback& cb) {
        return range.overlaps(cb.startNs, cb.startNs + cb.durationNs);
    });
    return out;
}

} // namespace coroscope
