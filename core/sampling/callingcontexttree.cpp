#include "sampling/callingcontexttree.h"

#include <utility>

namespace coroscope {

CallingContextTree::CallingContextTree(std::size_t maxNodes)
    : m_maxNodes(maxNodes) {}

std::uint32_t CallingContextTree::frame(const QString& function, const QString& module, const QString& file,
                                        int line) {
    std::lock_guard lock(m_mutex);
    const QString key = function + QLatin1Char('\n') + module;
    const auto found = m_frameIds.constFind(key);
    if (found != m_frameIds.constEnd())
        return *found;
    const auto id = std::uint32_t(m_frames.size());
    m_frames.push_back({id, function, module, file, line});
    m_frameIds.insert(key, id);
    return id;
}

std::uint32_t CallingContextTree::makeNodeLocked(std::uint32_t parent, std::uint32_t frame,
                                                 std::uint64_t task, int eventType) {
    const auto id = std::uint32_t(m_nodes.size());
    // New nodes are written once even with no samples of their own: a reader never meets a
    // child whose parent is missing.
    m_nodes.push_back({parent, frame, task, eventType, 0, true});
    m_dirty.push_back(id);
    return id;
}

std::uint32_t CallingContextTree::rootLocked(std::uint64_t task, int eventType) {
    const auto found = m_roots.find({task, eventType});
    if (found != m_roots.end())
        return found->second;
    if (m_nodes.size() > m_maxNodes && task != kOtherTasks) // over budget: latecomers share one tree
        return rootLocked(kOtherTasks, kNoEvent);
    const std::uint32_t id = makeNodeLocked(0, 0, task, eventType);
    m_roots.emplace(RootKey{task, eventType}, id);
    return id;
}

std::uint32_t CallingContextTree::childLocked(std::uint32_t parent, std::uint32_t frame, std::size_t limit) {
    const std::uint64_t key = (std::uint64_t(parent) << 32) | frame;
    const auto found = m_children.find(key);
    if (found != m_children.end())
        return found->second;
    if (m_nodes.size() > limit)
        return 0;
    const Node& p = m_nodes[parent];
    const std::uint32_t id = makeNodeLocked(parent, frame, p.task, p.eventType);
    m_children.emplace(key, id);
    return id;
}

void CallingContextTree::add(std::uint64_t task, int eventType, std::uint32_t weight,
                             std::span<const std::uint32_t> frames, std::int64_t tNs) {
    std::lock_guard lock(m_mutex);
    m_counters.samples += weight;
    m_counters.stacks += 1;
    std::uint32_t node = rootLocked(task, eventType);
    const bool shared = m_nodes[node].task == kOtherTasks && task != kOtherTasks;
    if (shared)
        m_counters.otherTaskSamples += weight;
    // The shared root may outgrow the budget by a tenth: the latecomers' stacks stay readable.
    const std::size_t limit = shared ? m_maxNodes + m_maxNodes / 10 : m_maxNodes;
    for (const std::uint32_t f : frames) {
        const std::uint32_t child = childLocked(node, f, limit);
        if (child == 0) {
            m_counters.overBudget += weight;
            break;
        }
        node = child;
    }
    Node& n = m_nodes[node];
    n.self += weight;
    if (!n.dirty) {
        n.dirty = true;
        m_dirty.push_back(node);
    }
    if (tNs < 0)
        return;
    if (m_timedSamples < CpuProfile::kMaxTimedSamples) {
        ++m_timedSamples;
        m_newSamples.push_back(CpuSample{tNs, node, weight});
    } else {
        m_counters.untimedSamples += weight;
    }
}

CallingContextTree::Changes CallingContextTree::takeChanges() {
    std::lock_guard lock(m_mutex);
    Changes c;
    c.frames.assign(m_frames.begin() + std::ptrdiff_t(m_framesTaken), m_frames.end());
    m_framesTaken = m_frames.size();
    // Parents were made before their children, so they come first in m_dirty.
    const std::vector<std::uint32_t> order = std::exchange(m_dirty, {});
    c.nodes.reserve(order.size());
    c.nodeEventTypes.reserve(order.size());
    for (const std::uint32_t id : order) {
        Node& n = m_nodes[id];
        n.dirty = false;
        c.nodes.push_back({id, n.parent, n.frame, n.task, QString(), n.self});
        c.nodeEventTypes.push_back(n.eventType);
    }
    c.samples = std::exchange(m_newSamples, {});
    c.counters = m_counters;
    return c;
}

std::size_t CallingContextTree::nodeCount() const {
    std::lock_guard lock(m_mutex);
    return m_nodes.size() - 1;
}

CpuProfileCounters CallingContextTree::counters() const {
    std::lock_guard lock(m_mutex);
    return m_counters;
}

} // namespace coroscope
