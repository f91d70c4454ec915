#pragma once

#include <QString>

#include <cstdint>
#include <map>
#include <vector>

namespace coroscope {

/// One function of a CPU profile: what the flame graph draws as a box. Frames are interned by
/// function and module, so every address inside one function is the same frame.
struct CpuFrame {
    std::uint32_t id = 0; ///< 1-based; 0 is "no frame" (the root of a task's tree)
    QString function;     ///< demangled name, or "0x…" when the module has no symbols
    QString module;       ///< file name of the executable or library
    QString file;         ///< source file, empty without debug info
    int line = 0;         ///< a line of the function (the first one sampled); 0 without debug info
};

/// One node of a calling-context tree: a frame reached through one call path, in one task, while
/// one kind of event was dispatched. A task's root node has frame 0 and parent 0; its children
/// are the outermost frames of its stacks.
struct CpuNode {
    std::uint32_t id = 0; ///< 1-based
    std::uint32_t parent = 0;
    std::uint32_t frame = 0;
    std::uint64_t taskId = 0; ///< 0: the loop ran no task (a plain slot, Qt's own work)
    QString eventType;        ///< on roots: the event dispatched ("" outside any dispatch)
    std::uint64_t selfSamples = 0;
};

/// One stack sample with its time: what the Chrome trace shows on a track of its own and what a
/// time range of the timeline selects.
struct CpuSample {
    std::int64_t tNs = 0;     ///< when it was taken (ns since the origin): the end of its CPU time
    std::uint32_t node = 0;   ///< the node it was charged to (its stack's innermost kept frame)
    std::uint32_t weight = 1; ///< samples it stands for
};

/// Counters of a CPU profile, for the report's honesty line: what was sampled, and what was not.
struct CpuProfileCounters {
    std::uint64_t samples = 0;          ///< weighted: each is one interval of the loop's CPU time
    std::uint64_t stacks = 0;           ///< stacks captured (a stack may stand for several samples)
    std::uint64_t droppedStacks = 0;    ///< the sample ring was full: counted, not captured
    std::uint64_t overBudget = 0;       ///< samples charged to a shorter path: the node budget was full
    std::uint64_t otherTaskSamples = 0; ///< samples of tasks that came after the budget was full
    std::uint64_t untimedSamples = 0;   ///< in the tree but not in `samples`: past kMaxTimedSamples
};

/// A whole CPU profile as read from a session: frames and nodes indexed by their ids.
struct CpuProfile {
    /// The task every sample of a task that came after the node budget was spent is charged to.
    static constexpr std::uint64_t kOtherTasks = ~std::uint64_t(0) >> 16;

    std::int64_t intervalNs = 0;                ///< 0: the run was not sampled (or recorded before profiles)
    std::vector<CpuFrame> frames;               ///< [id]; [0] is "no frame"
    std::vector<CpuNode> nodes;                 ///< [id]; [0] unused
    std::map<std::uint64_t, QString> taskNames; ///< of the tasks with a root; "" when unnamed
    /// The first kMaxTimedSamples stacks with their times, ascending (at 1 kHz: ~17 min of the
    /// loop's CPU time; ~16 bytes each in memory and ~10 in the session file).
    std::vector<CpuSample> samples;
    CpuProfileCounters counters;

    static constexpr std::size_t kMaxTimedSamples = 1'000'000;

    bool recorded() const noexcept { return intervalNs > 0; }
    /// "worker", "task #12", "(no task)": the root frame of a task's stacks.
    QString taskLabel(std::uint64_t taskId) const;
};

} // namespace coroscope
