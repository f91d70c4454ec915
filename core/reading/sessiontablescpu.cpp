// The CPU profile's tables (cpu_frames, cpu_nodes): see docs/session-format.md.
#include "reading/sessiontables_p.h"

namespace coroscope::session::tables {
namespace {

bool hasTable(Database& db, const char* name) {
    Statement s = db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
    s.bind(1, QString::fromLatin1(name));
    return s.step() && s.integer(0) > 0;
}

// Ids are dense and small (the node budget), so a vector indexed by id; an id far beyond the
// rows read is damage, not a reason to allocate gigabytes.
constexpr std::int64_t kMaxId = 1 << 24;

} // namespace

void cpuProfile(Database& db, CpuProfile& out, std::size_t& rows) {
    if (!hasTable(db, "cpu_nodes") || !hasTable(db, "cpu_frames"))
        return;
    out.frames.assign(1, CpuFrame{});
    Statement frames = db.prepare("SELECT id, function, module, file, line FROM cpu_frames ORDER BY id");
    for (; frames.step(); ++rows) {
        const std::int64_t id = frames.integer(0);
        if (id <= 0 || id > kMaxId)
            throw DamagedRow{QStringLiteral("a CPU profile frame has id %1").arg(id)};
        out.frames.resize(std::max(out.frames.size(), std::size_t(id) + 1));
        out.frames[std::size_t(id)] = {std::uint32_t(id), frames.text(1, kMaxTextChars),
                                       frames.text(2, kMaxNameChars), frames.text(3, kMaxTextChars),
                                       int(frames.integer(4))};
    }
    out.nodes.assign(1, CpuNode{});
    Statement nodes = db.prepare(
        "SELECT id, parent_id, frame_id, task_id, event_type, self_samples FROM cpu_nodes ORDER BY id");
    for (; nodes.step(); ++rows) {
        const std::int64_t id = nodes.integer(0);
        const std::int64_t parent = nodes.integer(1);
        const std::int64_t frame = nodes.integer(2);
        const std::int64_t self = nodes.integer(5);
        // Parents are made before their children: a parent id is always the smaller one.
        if (id <= 0 || id > kMaxId || parent < 0 || parent >= id || self < 0)
            throw DamagedRow{QStringLiteral("CPU profile node %1 has parent %2").arg(id).arg(parent)};
        if (parent != 0 &&
            (std::size_t(parent) >= out.nodes.size() || out.nodes[std::size_t(parent)].id == 0))
            throw DamagedRow{
                QStringLiteral("CPU profile node %1 has a missing parent %2").arg(id).arg(parent)};
        if ((parent == 0) != (frame == 0) || frame < 0 || std::size_t(frame) >= out.frames.size() ||
            (frame != 0 && out.frames[std::size_t(frame)].id == 0))
            throw DamagedRow{
                QStringLiteral("CPU profile node %1 has an unknown frame %2").arg(id).arg(frame)};
        CpuNode n{std::uint32_t(id),
                  std::uint32_t(parent),
                  std::uint32_t(frame),
                  std::uint64_t(nodes.integer(3)),
                  nodes.text(4, kMaxNameChars),
                  std::uint64_t(self)};
        if (parent != 0) { // children inherit their root's task and event type
            const CpuNode& p = out.nodes[std::size_t(parent)];
            n.taskId = p.taskId;
            n.eventType = p.eventType;
        }
        out.nodes.resize(std::max(out.nodes.size(), std::size_t(id) + 1));
        out.nodes[std::size_t(id)] = std::move(n);
    }
    if (hasTable(db, "cpu_samples")) {
        Statement samples = db.prepare("SELECT t_ns, node_id, weight FROM cpu_samples ORDER BY t_ns");
        for (; samples.step() && out.samples.size() < CpuProfile::kMaxTimedSamples; ++rows) {
            const std::int64_t node = samples.integer(1);
            const std::int64_t weight = samples.integer(2);
            if (node <= 0 || std::size_t(node) >= out.nodes.size() || out.nodes[std::size_t(node)].id == 0 ||
                weight <= 0 || weight > 1'000'000)
                throw DamagedRow{
                    QStringLiteral("a CPU sample names node %1 with weight %2").arg(node).arg(weight)};
            out.samples.push_back(CpuSample{samples.integer(0), std::uint32_t(node), std::uint32_t(weight)});
        }
    }
    Statement name = db.prepare("SELECT name FROM tasks WHERE id = ?1");
    for (const CpuNode& n : out.nodes) {
        if (n.id == 0 || n.parent != 0 || n.taskId == 0 || n.taskId == CpuProfile::kOtherTasks ||
            out.taskNames.contains(n.taskId))
            continue;
        name.bind(1, std::int64_t(n.taskId));
        out.taskNames[n.taskId] = name.step() ? name.text(0, kMaxNameChars) : QString();
        name.reset();
    }
}

} // namespace coroscope::session::tables
