#pragma once

#include "model/cpuprofile.h"
#include "report/cpuprofileanalysis.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace coroscope::ui {

/// A CPU profile's calling-context trees as the CPU profile view shows them, for one filter: the
/// flame graph and the top-down and bottom-up tables all read one of these.
///
/// Top-down: node 0 is "all tasks" with one child per task label (tasks of one name merge, as in
/// the folded export's task root frame), or the task itself under a task filter; the trees of a
/// task's event types merge below it, so a function reached through one path is one node. Built
/// whole, then immutable.
/// Bottom-up: node 0 is an invisible root; its children are every function with its self and
/// inclusive cost (cpuFunctionCosts), theirs the callers that cost came through, inverted. A
/// node's callers are found when first asked for (children()): inverting a whole tree of the
/// node budget makes millions of nodes (seconds, hundreds of MB) of which a reader opens a few.
/// Not thread-safe for that reason: one thread (the GUI's) reads a bottom-up tree.
class CpuCallTree {
public:
    enum class Kind { Root, Task, Frame };
    struct Node {
        Kind kind = Kind::Frame;
        std::uint32_t frame = 0; ///< the profile's frame (Kind::Frame)
        QString label;           ///< the task's or the root's name (Kind::Task, Kind::Root)
        int parent = -1;
        int row = 0;             ///< among its parent's children
        std::uint64_t self = 0;  ///< top-down: own samples; bottom-up: the top function's via this path
        std::uint64_t total = 0; ///< with the subtree; bottom-up callers: as `self`
        int depth = 0;
    };

    CpuCallTree() = default;
    static CpuCallTree topDown(std::shared_ptr<const CpuProfile> profile, const CpuProfileFilter& filter);
    static CpuCallTree bottomUp(std::shared_ptr<const CpuProfile> profile, const CpuProfileFilter& filter);
    /// The bottom-up tree of `topDown`, made with the same `filter`: shares it, not built again.
    static CpuCallTree bottomUp(std::shared_ptr<const CpuCallTree> topDown, const CpuProfileFilter& filter);

    int size() const { return int(m_nodes.size()); }
    const Node& node(int id) const { return m_nodes[std::size_t(id)]; }
    /// A node's children, by name (so flame graph boxes keep their places as a live run grows).
    const std::vector<int>& children(int id) const;
    /// Whether children(id) is not empty, without finding a bottom-up node's callers.
    bool hasChildren(int id) const;
    bool empty() const { return m_total == 0; }
    /// The samples that passed the filter: what percentages are of.
    std::uint64_t total() const { return m_total; }

    /// The function's name, or the task's or root's label.
    QString name(int id) const;
    /// The frame of a function node, else nullptr.
    const CpuFrame* frame(int id) const;
    QString module(int id) const;
    /// "file.cpp:42", "file.cpp", or empty.
    QString location(int id) const;
    /// A node's names from the top (root excluded): what finds it again in a newer tree.
    QStringList path(int id) const;
    /// The node at `path` in this tree, else the deepest one found on the way (0: the root).
    int find(const QStringList& path) const;

private:
    /// A bottom-up node's share of a top-down node: `weight` samples whose innermost frame is the
    /// node's function, now at top-down node `at` on their way up to the root.
    struct Anchor {
        int at = 0;
        std::uint64_t weight = 0;
    };

    int add(int parent, Kind kind, std::uint32_t frame, const QString& label) const;
    void sortChildren(int id) const;
    void findCallers(int id) const;

    std::shared_ptr<const CpuProfile> m_profile;
    // Mutable: a bottom-up tree grows as it is read. A deque, so that a node's reference stays
    // valid while callers are added.
    mutable std::deque<Node> m_nodes;
    mutable std::deque<std::vector<int>> m_children;
    mutable std::deque<std::vector<Anchor>> m_anchors; ///< bottom-up nodes whose callers are not found yet
    std::shared_ptr<const CpuCallTree> m_down;         ///< a bottom-up tree's top-down one
    std::uint64_t m_total = 0;
};

} // namespace coroscope::ui
