// The per-task heap series (`task_memory`): rows of changes, in time order, become layers that
// each have a value at every sample time, so that a chart can stack them.
#include "reading/sessiontables_p.h"

#include <algorithm>
#include <map>

namespace coroscope::session::tables {
namespace {

struct Change {
    std::size_t at = 0;     ///< index into the sample times
    std::int64_t bytes = 0; ///< 0 also for NULL: the task left the top, its bytes went to other
};

struct Rows {
    std::vector<std::int64_t> tNs;
    std::map<std::uint64_t, std::vector<Change>> changes; ///< by task id (0: other tasks)
    std::map<std::uint64_t, std::int64_t> peaks;
};

QString taskName(Database& db, std::uint64_t id) {
    try {
        Statement s = db.prepare("SELECT name FROM tasks WHERE id = ?1");
        s.bind(1, std::int64_t(id));
        return s.step() ? s.text(0, kMaxNameChars) : QString();
    } catch (const SqliteError&) {
        return {}; // a damaged tasks table costs the name, not the series (its loss is told there)
    }
}

/// The layers from the changes: the kMaxTaskLayers largest peaks apart, the rest in other tasks.
/// Each change adds its difference at its time and a running sum carries it on (rows are only
/// written when a value changes): O(rows + layers x times), whatever the number of tasks.
void fold(Database& db, Rows& rows, TaskMemorySeries& out) {
    out = {};
    if (rows.tNs.empty())
        return;
    std::vector<std::uint64_t> ids;
    for (const auto& [id, peak] : rows.peaks)
        if (id != 0)
            ids.push_back(id);
    std::sort(ids.begin(), ids.end(), [&](std::uint64_t a, std::uint64_t b) {
        const std::int64_t pa = rows.peaks[a], pb = rows.peaks[b];
        return pa != pb ? pa > pb : a < b;
    });
    const std::size_t apart = std::min(ids.size(), TaskMemorySeries::kMaxTaskLayers);
    std::map<std::uint64_t, std::size_t> layerOf;
    for (std::size_t i = 0; i < apart; ++i) {
        layerOf[ids[i]] = i;
        out.layers.push_back({ids[i], taskName(db, ids[i]), rows.peaks[ids[i]], {}});
    }
    // Other tasks only when there are some: a run of three tasks has no fourth layer.
    const std::size_t other = out.layers.size();
    if (rows.changes.count(0) != 0 || ids.size() > apart)
        out.layers.push_back({0, QString(), 0, {}});
    const std::size_t times = rows.tNs.size();
    for (TaskMemoryLayer& layer : out.layers)
        layer.liveBytes.assign(times, 0);
    for (const auto& [id, changes] : rows.changes) {
        const auto found = layerOf.find(id);
        std::vector<std::int64_t>& target =
            out.layers[found == layerOf.end() ? other : found->second].liveBytes;
        std::int64_t previous = 0;
        for (const Change& c : changes) {
            target[c.at] += c.bytes - previous;
            previous = c.bytes;
        }
    }
    for (TaskMemoryLayer& layer : out.layers) {
        std::int64_t running = 0;
        for (std::int64_t& v : layer.liveBytes) {
            running += v;
            v = running;
        }
        if (layer.taskId == 0)
            layer.peakBytes = *std::max_element(layer.liveBytes.begin(), layer.liveBytes.end());
    }
    out.tNs = std::move(rows.tNs);
}

} // namespace

void taskMemory(Database& db, TaskMemorySeries& out, std::size_t& rows) {
    // A session recorded before the table: no per-task series, and nothing lost.
    if (db.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'task_memory'") == 0)
        return;
    Rows read;
    // By rowid, the order rows were written (time order): damage keeps the rows before it, which
    // are folded all the same.
    Statement s = db.prepare("SELECT t_ns, task_id, live_bytes FROM task_memory ORDER BY rowid");
    try {
        for (; s.step(); ++rows) {
            const std::int64_t t = s.integer(0);
            const auto id = std::uint64_t(s.integer(1));
            const std::int64_t bytes = s.isNull(2) ? 0 : s.integer(2);
            if (bytes < 0 || (!read.tNs.empty() && t < read.tNs.back()))
                throw DamagedRow{bytes < 0 ? QStringLiteral("a task's live heap is negative")
                                           : QStringLiteral("a row out of time order")};
            if (read.tNs.empty() || t != read.tNs.back())
                read.tNs.push_back(t);
            read.changes[id].push_back({read.tNs.size() - 1, bytes});
            std::int64_t& peak = read.peaks[id];
            peak = std::max(peak, bytes);
        }
    } catch (...) {
        fold(db, read, out);
        throw;
    }
    fold(db, read, out);
}

} // namespace coroscope::session::tables
