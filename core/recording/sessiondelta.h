#pragma once

#include "model/cpuprofile.h"
#include "model/runmodel.h"
#include "session/sparsehistogram.h"

#include <QString>

#include <array>
#include <cstdint>
#include <vector>

namespace coroscope::session {

/// One resume segment, as stored. Times ns since the process origin.
struct SegmentRow {
    std::uint64_t taskId = 0;
    std::int64_t startNs = 0;
    std::int64_t endNs = 0;
    std::int64_t readyNs = 0;
    std::int64_t exclusiveNs = 0;
};

/// One point of the per-task heap series (table `task_memory`): a top task's live heap, or
/// (taskId 0) that of all other tasks together. Written only when it changed.
struct TaskMemoryRow {
    std::int64_t tNs = 0;
    std::uint64_t taskId = 0;
    std::int64_t liveBytes = 0; ///< -1: the task left the top tasks (NULL in the file)
};

/// What changed in the collector since the session writer last asked: the writer's whole input.
/// Built under the collector's lock, written to disk outside it.
struct SessionDelta {
    std::int64_t tNs = 0;
    std::vector<TaskInfo> tasks;                       ///< created or changed (full rows)
    std::vector<SegmentRow> segments;                  ///< new resume segments
    std::uint64_t segmentsOverflowed = 0;              ///< not kept: the writer fell too far behind
    std::vector<SlowCallback> slowCallbacks;           ///< new or updated
    std::vector<std::uint64_t> retractedSlowSeqs;      ///< dispatch seqs that were not slow after all
    std::vector<Diagnostic> diagnostics;               ///< new or revised (by id)
    std::vector<std::uint64_t> withdrawnDiagnosticIds; ///< proved false after they were written
    /// While the loop is blocked: how late the loop probe's due tick already is (ns; -1 when the
    /// loop is not blocked). The lag it will record when it fires is at least this.
    std::int64_t lagSoFarNs = -1;
    std::vector<MemorySample> memory;      ///< new samples
    std::vector<TaskMemoryRow> taskMemory; ///< per-task heap points (TaskMemorySampler)
    SparseHistogram lagWindow;             ///< loop lag (µs) recorded since the last delta
    std::vector<std::pair<QString, SparseHistogram>> awaitWindows;  ///< per await site (µs, awaitSiteKey())
    std::vector<std::pair<QString, SparseHistogram>> metricWindows; ///< per metric (µs), since
    std::int64_t loopWallNs = 0; ///< loop probe totals (the writer takes differences)
    std::int64_t loopIdleNs = 0;
    std::array<std::uint64_t, kTaskStateCount> tasksByState{};
    std::uint64_t tasksTotal = 0;
    std::uint64_t segmentsTotal = 0;
    DropCounters drops;
    /// The CPU profile: new frames, nodes new or with a new self count, all counters so far.
    std::vector<CpuFrame> cpuFrames;
    std::vector<CpuNode> cpuNodes;
    std::vector<CpuSample> cpuSamples; ///< timed samples taken since
    CpuProfileCounters cpu;
    std::int64_t cpuIntervalNs = 0; ///< 0: the CPU profile is off
};

} // namespace coroscope::session
