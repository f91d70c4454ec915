#pragma once

#include "model/cpuprofile.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace coroscope {

/// Which samples of a CPU profile to look at.
struct CpuProfileFilter {
    std::optional<std::uint64_t> taskId;
    std::optional<QString> eventType; ///< "" selects the samples taken outside any dispatch

    bool accepts(const CpuNode& node) const {
        return (!taskId || node.taskId == *taskId) && (!eventType || node.eventType == *eventType);
    }
};

/// One function's cost: `self` its own samples, `total` the samples of stacks it is on (counted
/// once per stack however often it recurses).
struct CpuFunctionCost {
    std::uint32_t frame = 0;
    std::uint64_t self = 0;
    std::uint64_t total = 0;
};

struct CpuTaskCost {
    std::uint64_t taskId = 0;
    QString label;
    std::uint64_t samples = 0;
};

/// What was sampled and what was not, one sentence each (plain text; the first always there):
/// the reports say it before any figure so that every share can be weighed.
QStringList cpuProfileFacts(const CpuProfile& profile);

/// Samples in the profile that pass `filter`.
std::uint64_t cpuSampleCount(const CpuProfile& profile, const CpuProfileFilter& filter = {});

/// Samples per task, most first (tasks with the same name stay apart: they have their ids).
std::vector<CpuTaskCost> cpuSamplesByTask(const CpuProfile& profile);

/// Every function's self and total samples, by self, then total, descending.
std::vector<CpuFunctionCost> cpuFunctionCosts(const CpuProfile& profile, const CpuProfileFilter& filter = {});

/// Each node's samples with its subtree (index: node id).
std::vector<std::uint64_t> cpuInclusiveSamples(const CpuProfile& profile);

/// A frame's name as stack formats print it: the function, "module!0x…" style names kept.
QString cpuFrameName(const CpuProfile& profile, std::uint32_t frame);

/// Folded stacks: one "task;outer;…;inner count" per distinct stack, root first, the task's name
/// as the root frame (tasks of one name merge), sorted by stack. ';' and line breaks in names
/// become ':' and ' ' so that the format stays parseable. The counts sum to cpuSampleCount().
std::vector<std::pair<QString, std::uint64_t>> cpuFoldedStacks(const CpuProfile& profile,
                                                               const CpuProfileFilter& filter = {});
QByteArray toFoldedStacks(const CpuProfile& profile, const CpuProfileFilter& filter = {});

/// A speedscope file (https://www.speedscope.app/file-format-schema.json): one "sampled" profile
/// per task with samples, in milliseconds of the loop thread's CPU time.
QByteArray toSpeedscope(const CpuProfile& profile, const QString& name);

} // namespace coroscope
