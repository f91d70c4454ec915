#include "report/cpuprofileanalysis.h"

#include "model/format.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <map>

namespace coroscope {
namespace {

bool isRoot(const CpuNode& n) {
    return n.id != 0 && n.parent == 0;
}

// Folded stacks separate frames by ';' and end in " count": neither may come from a name.
QString foldedSafe(QString name) {
    name.replace(u';', u':');
    name.replace(u'\n', u' ');
    name.replace(u'\r', u' ');
    return name;
}

} // namespace

QStringList cpuProfileFacts(const CpuProfile& p) {
    const CpuProfileCounters& c = p.counters;
    QStringList facts{
        QStringLiteral("%1 samples, one per %2 of the loop thread's CPU time: %3 of CPU time, in %4 stacks")
            .arg(c.samples)
            .arg(formatDuration(p.intervalNs), formatDuration(std::int64_t(c.samples) * p.intervalNs))
            .arg(c.stacks)};
    if (c.droppedStacks)
        facts << QStringLiteral("%1 stacks dropped (the sample ring was full; not in the samples)")
                     .arg(c.droppedStacks);
    if (c.overBudget)
        facts << QStringLiteral("%1 samples charged to a shorter stack (the profile's node budget was spent)")
                     .arg(c.overBudget);
    if (c.otherTaskSamples)
        facts << QStringLiteral("%1 samples of tasks that came after the budget was spent, under "
                                "(other tasks)")
                     .arg(c.otherTaskSamples);
    return facts;
}

std::uint64_t cpuSampleCount(const CpuProfile& profile, const CpuProfileFilter& filter) {
    std::uint64_t n = 0;
    for (const CpuNode& node : profile.nodes) {
        if (node.id != 0 && filter.accepts(node))
            n += node.selfSamples;
    }
    return n;
}

std::vector<std::uint64_t> cpuInclusiveSamples(const CpuProfile& profile) {
    std::vector<std::uint64_t> total(profile.nodes.size(), 0);
    // Children have larger ids than their parents: one pass from the end adds every subtree up.
    for (std::size_t id = profile.nodes.size(); id-- > 1;) {
        const CpuNode& n = profile.nodes[id];
        total[id] += n.selfSamples;
        if (n.parent != 0)
            total[n.parent] += total[id];
    }
    return total;
}

std::vector<CpuTaskCost> cpuSamplesByTask(const CpuProfile& profile) {
    const std::vector<std::uint64_t> total = cpuInclusiveSamples(profile);
    std::map<std::uint64_t, std::uint64_t> byTask;
    for (const CpuNode& n : profile.nodes) {
        if (isRoot(n))
            byTask[n.taskId] += total[n.id];
    }
    std::vector<CpuTaskCost> out;
    for (const auto& [task, samples] : byTask) {
        if (samples > 0)
            out.push_back({task, profile.taskLabel(task), samples});
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const CpuTaskCost& a, const CpuTaskCost& b) { return a.samples > b.samples; });
    return out;
}

std::vector<CpuFunctionCost> cpuFunctionCosts(const CpuProfile& profile, const CpuProfileFilter& filter) {
    const std::vector<std::uint64_t> total = cpuInclusiveSamples(profile);
    std::vector<CpuFunctionCost> costs(profile.frames.size());
    for (std::size_t f = 0; f < costs.size(); ++f)
        costs[f].frame = std::uint32_t(f);
    for (const CpuNode& n : profile.nodes) {
        if (n.id == 0 || n.frame == 0 || !filter.accepts(n))
            continue;
        costs[n.frame].self += n.selfSamples;
        // A recursive function is on the stack once per sample, not once per frame: only its
        // outermost node adds its subtree.
        bool outermost = true;
        for (std::uint32_t a = n.parent; a != 0; a = profile.nodes[a].parent) {
            if (profile.nodes[a].frame == n.frame) {
                outermost = false;
                break;
            }
        }
        if (outermost)
            costs[n.frame].total += total[n.id];
    }
    std::erase_if(costs, [](const CpuFunctionCost& c) { return c.frame == 0 || c.total == 0; });
    std::stable_sort(costs.begin(), costs.end(), [](const CpuFunctionCost& a, const CpuFunctionCost& b) {
        return a.self != b.self ? a.self > b.self : a.total > b.total;
    });
    return costs;
}

QString cpuFrameName(const CpuProfile& profile, std::uint32_t frame) {
    if (frame == 0 || frame >= profile.frames.size())
        return QString();
    return profile.frames[frame].function;
}

std::vector<std::pair<QString, std::uint64_t>> cpuFoldedStacks(const CpuProfile& profile,
                                                               const CpuProfileFilter& filter) {
    // Each node's path, built from its parent's (parents come first).
    std::vector<QString> path(profile.nodes.size());
    std::map<QString, std::uint64_t> stacks;
    for (const CpuNode& n : profile.nodes) {
        if (n.id == 0 || !filter.accepts(n))
            continue;
        path[n.id] = n.parent == 0 ? foldedSafe(profile.taskLabel(n.taskId))
                                   : path[n.parent] + u';' + foldedSafe(cpuFrameName(profile, n.frame));
        if (n.selfSamples > 0)
            stacks[path[n.id]] += n.selfSamples;
    }
    return {stacks.begin(), stacks.end()};
}

QByteArray toFoldedStacks(const CpuProfile& profile, const CpuProfileFilter& filter) {
    QByteArray out;
    for (const auto& [stack, count] : cpuFoldedStacks(profile, filter)) {
        out += stack.toUtf8();
        out += ' ';
        out += QByteArray::number(qulonglong(count));
        out += '\n';
    }
    return out;
}

QByteArray toSpeedscope(const CpuProfile& profile, const QString& name) {
    QJsonArray frames;
    for (std::size_t f = 1; f < profile.frames.size(); ++f) {
        const CpuFrame& frame = profile.frames[f];
        QJsonObject item{{QStringLiteral("name"), frame.function}};
        if (!frame.file.isEmpty()) {
            item.insert(QStringLiteral("file"), frame.file);
            if (frame.line > 0)
                item.insert(QStringLiteral("line"), frame.line);
        } else if (!frame.module.isEmpty()) {
            item.insert(QStringLiteral("file"), frame.module);
        }
        frames.append(item);
    }
    const double intervalMs = double(profile.intervalNs) / 1e6;
    // One weighted sample per distinct stack (speedscope's frames are 0-based): the order of the
    // samples in time is not kept, so its "time order" view shows them grouped, not in sequence.
    struct TaskSamples {
        QJsonArray samples;
        QJsonArray weights;
    };
    std::map<std::uint64_t, TaskSamples> byTask;
    std::vector<std::vector<int>> stackOf(profile.nodes.size());
    for (const CpuNode& n : profile.nodes) {
        if (n.id == 0)
            continue;
        if (n.parent != 0) {
            stackOf[n.id] = stackOf[n.parent];
            stackOf[n.id].push_back(int(n.frame) - 1);
        }
        if (n.selfSamples == 0)
            continue;
        QJsonArray stack;
        for (const int f : stackOf[n.id])
            stack.append(f);
        TaskSamples& t = byTask[n.taskId];
        t.samples.append(stack);
        t.weights.append(double(n.selfSamples) * intervalMs);
    }
    QJsonArray profiles;
    for (const CpuTaskCost& task : cpuSamplesByTask(profile)) {
        TaskSamples& t = byTask[task.taskId];
        profiles.append(QJsonObject{
            {QStringLiteral("type"), QStringLiteral("sampled")},
            {QStringLiteral("name"), task.taskId == 0 || task.taskId == CpuProfile::kOtherTasks
                                         ? task.label
                                         : QStringLiteral("%1 (#%2)").arg(task.label).arg(task.taskId)},
            {QStringLiteral("unit"), QStringLiteral("milliseconds")},
            {QStringLiteral("startValue"), 0},
            {QStringLiteral("endValue"), double(task.samples) * intervalMs},
            {QStringLiteral("samples"), t.samples},
            {QStringLiteral("weights"), t.weights},
        });
    }
    const QJsonObject root{
        {QStringLiteral("$schema"), QStringLiteral("https://www.speedscope.app/file-format-schema.json")},
        {QStringLiteral("name"), name},
        {QStringLiteral("exporter"), QStringLiteral("coroscope")},
        {QStringLiteral("activeProfileIndex"), 0},
        {QStringLiteral("shared"), QJsonObject{{QStringLiteral("frames"), frames}}},
        {QStringLiteral("profiles"), profiles},
    };
    return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

} // namespace coroscope
