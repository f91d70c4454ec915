#pragma once

#include "model/cpuprofile.h"

#include <QHash>

#include <cstdint>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

namespace coroscope {

/// The CPU profile as it is being recorded: one calling-context tree per (task, event type),
/// stacks merged as they arrive, so its size follows the number of distinct call paths, not the
/// length of the run.
///
/// Bounded by a node budget. Once it is spent, a sample follows its path as far as nodes exist
/// and is charged there (counted in overBudget); a task that has no tree yet shares the one root
/// "(other tasks)", which may grow by a tenth of the budget more. Samples are never lost: the tree
/// always sums to the samples added.
///
/// Thread-safe: the sampler adds, the collector takes the changes for the session writer.
class CallingContextTree {
public:
    /// The root tasks share once the budget is spent.
    static constexpr std::uint64_t kOtherTasks = CpuProfile::kOtherTasks;
    /// A root's event type when the sample was taken outside any dispatch.
    static constexpr int kNoEvent = -1;

    explicit CallingContextTree(std::size_t maxNodes);

    /// The id of a function (interned by function and module; file and line are the first seen).
    std::uint32_t frame(const QString& function, const QString& module, const QString& file, int line);

    /// Adds one stack of `weight` samples; `frames` root first (outermost call first). `tNs`, when
    /// it was taken (ns since the origin; negative: untimed), keeps it in the timed samples too.
    void add(std::uint64_t task, int eventType, std::uint32_t weight, std::span<const std::uint32_t> frames,
             std::int64_t tNs = -1);
    /// Stacks the sampler could not capture (its ring was full); they still count as samples.
    void addDropped(std::uint64_t stacks) {
        std::lock_guard lock(m_mutex);
        m_counters.droppedStacks += stacks;
    }

    /// What changed since the last call: new frames, nodes with their whole current self count,
    /// and the counters. Event types are numbers here; the caller names them.
    struct Changes {
        std::vector<CpuFrame> frames;
        std::vector<CpuNode> nodes;
        std::vector<int> nodeEventTypes; ///< beside `nodes`, for roots (kNoEvent elsewhere too)
        std::vector<CpuSample> samples;  ///< timed samples taken since
        CpuProfileCounters counters;
    };
    Changes takeChanges();

    std::size_t nodeCount() const;
    CpuProfileCounters counters() const;

private:
    struct Node {
        std::uint32_t parent = 0;
        std::uint32_t frame = 0;
        std::uint64_t task = 0;
        int eventType = kNoEvent;
        std::uint64_t self = 0;
        bool dirty = false;
    };
    struct RootKey {
        std::uint64_t task;
        int eventType;
        bool operator==(const RootKey&) const = default;
    };
    struct RootKeyHash {
        std::size_t operator()(const RootKey& k) const noexcept {
            return std::hash<std::uint64_t>()(k.task * 31 + std::uint64_t(std::uint32_t(k.eventType)));
        }
    };
    std::uint32_t rootLocked(std::uint64_t task, int eventType);
    /// The child of `parent` for `frame`, made if the budget allows (`limit` nodes); 0 if not.
    std::uint32_t childLocked(std::uint32_t parent, std::uint32_t frame, std::size_t limit);
    std::uint32_t makeNodeLocked(std::uint32_t parent, std::uint32_t frame, std::uint64_t task,
                                 int eventType);

    mutable std::mutex m_mutex;
    std::size_t m_maxNodes;
    std::vector<Node> m_nodes{Node{}};                           ///< [0] unused: ids are 1-based
    std::unordered_map<std::uint64_t, std::uint32_t> m_children; ///< (parent << 32 | frame) -> node
    std::unordered_map<RootKey, std::uint32_t, RootKeyHash> m_roots;
    std::vector<CpuFrame> m_frames{CpuFrame{}}; ///< [0]: no frame
    QHash<QString, std::uint32_t> m_frameIds;   ///< "function\nmodule" -> id
    std::size_t m_framesTaken = 1;
    std::vector<CpuSample> m_newSamples;
    std::size_t m_timedSamples = 0;
    std::vector<std::uint32_t> m_dirty;
    CpuProfileCounters m_counters;
};

} // namespace coroscope
