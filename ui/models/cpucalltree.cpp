#include "models/cpucalltree.h"

#include <QCoreApplication>

#include <algorithm>
#include <map>
#include <unordered_map>

namespace coroscope::ui {
namespace {

/// A child of one parent, found by its frame: one hash for the whole tree.
std::uint64_t keyOf(int parent, std::uint32_t frame) {
    return (std::uint64_t(std::uint32_t(parent)) << 32) | frame;
}

} // namespace

int CpuCallTree::add(int parent, Kind kind, std::uint32_t frame, const QString& label) const {
    const int id = int(m_nodes.size());
    Node node;
    node.kind = kind;
    node.frame = frame;
    node.label = label;
    node.parent = parent;
    if (parent >= 0) {
        node.depth = m_nodes[std::size_t(parent)].depth + 1;
        node.row = int(m_children[std::size_t(parent)].size());
        m_children[std::size_t(parent)].push_back(id);
    }
    m_nodes.push_back(std::move(node));
    m_children.emplace_back();
    if (m_down)
        m_anchors.emplace_back();
    return id;
}

CpuCallTree CpuCallTree::topDown(std::shared_ptr<const CpuProfile> profile, const CpuProfileFilter& filter) {
    CpuCallTree tree;
    tree.m_profile = std::move(profile);
    const CpuProfile& p = *tree.m_profile;
    tree.add(-1, Kind::Root, 0,
             filter.taskId ? p.taskLabel(*filter.taskId)
                           : QCoreApplication::translate("CpuCallTree", "all tasks"));
    std::vector<int> shown(p.nodes.size(), -1); // profile node -> its node here
    std::map<QString, int> taskNodes;           // tasks of one name are one box, as in the folded export
    std::unordered_map<std::uint64_t, int> children;
    children.reserve(p.nodes.size());
    for (const CpuNode& n : p.nodes) {
        if (n.id == 0 || !filter.accepts(n))
            continue;
        int id = 0;
        if (n.parent == 0) {
            if (!filter.taskId) {
                const QString label = p.taskLabel(n.taskId);
                const auto [it, added] = taskNodes.try_emplace(label, 0);
                if (added)
                    it->second = tree.add(0, Kind::Task, 0, label);
                id = it->second;
            }
        } else {
            const int parent = shown[n.parent];
            if (parent < 0)
                continue; // under a node the filter left out: children share their root's task
            const auto [it, added] = children.try_emplace(keyOf(parent, n.frame), 0);
            if (added)
                it->second = tree.add(parent, Kind::Frame, n.frame, QString());
            id = it->second;
        }
        shown[n.id] = id;
        tree.m_nodes[std::size_t(id)].self += n.selfSamples;
    }
    // Children come after their parents: one pass from the end adds every subtree up.
    for (std::size_t id = tree.m_nodes.size(); id-- > 0;) {
        Node& node = tree.m_nodes[id];
        node.total += node.self;
        if (node.parent >= 0)
            tree.m_nodes[std::size_t(node.parent)].total += node.total;
    }
    for (int id = 0; id < tree.size(); ++id)
        tree.sortChildren(id);
    tree.m_total = tree.m_nodes.front().total;
    return tree;
}

CpuCallTree CpuCallTree::bottomUp(std::shared_ptr<const CpuProfile> profile, const CpuProfileFilter& filter) {
    return bottomUp(std::make_shared<const CpuCallTree>(topDown(std::move(profile), filter)), filter);
}

CpuCallTree CpuCallTree::bottomUp(std::shared_ptr<const CpuCallTree> topDown,
                                  const CpuProfileFilter& filter) {
    CpuCallTree tree;
    tree.m_profile = topDown->m_profile;
    tree.m_down = std::move(topDown);
    tree.m_total = tree.m_down->total();
    tree.add(-1, Kind::Root, 0, QString());
    std::unordered_map<std::uint32_t, int> top; // frame -> its top-level node
    for (const CpuFunctionCost& cost : cpuFunctionCosts(*tree.m_profile, filter)) {
        const int id = tree.add(0, Kind::Frame, cost.frame, QString());
        tree.m_nodes[std::size_t(id)].self = cost.self;
        tree.m_nodes[std::size_t(id)].total = cost.total; // recursion counted once, as in the folded stacks
        top[cost.frame] = id;
    }
    // Each top-down node's own samples start at its function, to go up its callers when asked.
    const CpuCallTree& down = *tree.m_down;
    for (int id = 1; id < down.size(); ++id) {
        const Node& n = down.node(id);
        if (const auto found = top.find(n.frame); n.kind == Kind::Frame && n.self > 0 && found != top.end())
            tree.m_anchors[std::size_t(found->second)].push_back({id, n.self});
    }
    tree.sortChildren(0);
    return tree;
}

void CpuCallTree::findCallers(int id) const {
    const std::vector<Anchor> anchors = std::exchange(m_anchors[std::size_t(id)], {});
    std::unordered_map<std::uint32_t, int> byFrame;
    std::map<QString, int> byTask; // the outermost callers: the tasks
    for (const Anchor& a : anchors) {
        const int caller = m_down->node(a.at).parent;
        if (caller <= 0)
            continue; // the top-down root: no caller (the task itself, or the filter's task)
        const Node& c = m_down->node(caller);
        int& child = c.kind == Kind::Task ? byTask[c.label] : byFrame[c.frame];
        if (child == 0)
            child = add(id, c.kind, c.frame, c.label);
        Node& n = m_nodes[std::size_t(child)];
        n.self += a.weight;
        n.total += a.weight;
        m_anchors[std::size_t(child)].push_back({caller, a.weight});
    }
    sortChildren(id);
}

void CpuCallTree::sortChildren(int id) const {
    std::vector<int>& children = m_children[std::size_t(id)];
    if (children.size() < 2)
        return;
    std::vector<std::pair<QString, int>> named;
    named.reserve(children.size());
    for (const int child : children)
        named.emplace_back(name(child), child);
    std::sort(named.begin(), named.end());
    for (std::size_t i = 0; i < named.size(); ++i) {
        children[i] = named[i].second;
        m_nodes[std::size_t(children[i])].row = int(i);
    }
}

const std::vector<int>& CpuCallTree::children(int id) const {
    if (std::size_t(id) < m_anchors.size() && !m_anchors[std::size_t(id)].empty())
        findCallers(id);
    return m_children[std::size_t(id)];
}

bool CpuCallTree::hasChildren(int id) const {
    if (std::size_t(id) < m_anchors.size() && !m_anchors[std::size_t(id)].empty()) {
        const std::vector<Anchor>& anchors = m_anchors[std::size_t(id)];
        return std::any_of(anchors.begin(), anchors.end(),
                           [this](const Anchor& a) { return m_down->node(a.at).parent > 0; });
    }
    return !m_children[std::size_t(id)].empty();
}

QString CpuCallTree::name(int id) const {
    const Node& n = node(id);
    return n.kind == Kind::Frame ? cpuFrameName(*m_profile, n.frame) : n.label;
}

const CpuFrame* CpuCallTree::frame(int id) const {
    const Node& n = node(id);
    if (n.kind != Kind::Frame || !m_profile || n.frame == 0 || n.frame >= m_profile->frames.size())
        return nullptr;
    return &m_profile->frames[n.frame];
}

QString CpuCallTree::module(int id) const {
    const CpuFrame* f = frame(id);
    return f ? f->module : QString();
}

QString CpuCallTree::location(int id) const {
    const CpuFrame* f = frame(id);
    if (!f || f->file.isEmpty())
        return QString();
    return f->line > 0 ? QStringLiteral("%1:%2").arg(f->file).arg(f->line) : f->file;
}

QStringList CpuCallTree::path(int id) const {
    QStringList names;
    for (; id > 0; id = node(id).parent)
        names.prepend(name(id));
    return names;
}

int CpuCallTree::find(const QStringList& path) const {
    int at = 0;
    for (const QString& step : path) {
        const std::vector<int>& candidates = children(at);
        const auto it = std::find_if(candidates.begin(), candidates.end(),
                                     [&](int child) { return name(child) == step; });
        if (it == candidates.end())
            break;
        at = *it;
    }
    return at;
}

} // namespace coroscope::ui
