#include "collect/taskmemorysampler.h"

#include "collect/tasktable.h"

#include <algorithm>

namespace coroscope::session {

void TaskMemorySampler::put(std::int64_t nowNs, std::uint64_t taskId, std::int64_t bytes,
                            std::vector<TaskMemoryRow>& out) {
    const auto sent = m_sent.find(taskId);
    if (sent != m_sent.end() && sent->second == bytes)
        return;
    m_sent[taskId] = bytes;
    out.push_back({nowNs, taskId, bytes});
    ++m_rows;
}

void TaskMemorySampler::sample(const TaskTable& tasks, std::int64_t nowNs, std::vector<TaskMemoryRow>& out) {
    if (nowNs < m_dueNs)
        return;
    const int stage = int(std::min<std::uint64_t>(m_rows / kRowsPerStage, 16));
    const std::int64_t interval = kFirstIntervalNs << stage;
    // A quarter early: batches come every ~100 ms with jitter, and one a hair early must not
    // halve the cadence.
    m_dueNs = nowNs + interval - interval / 4;

    const TopHeapTasks& top = tasks.topHeap();
    const auto inTop = [&](std::uint64_t id) {
        return std::any_of(top.entries().begin(), top.entries().end(),
                           [&](const TopHeapTasks::Entry& e) { return e.taskId == id; });
    };
    // A task that left the top: its series ends here (its bytes are in "other tasks" from now on).
    for (auto it = m_sent.begin(); it != m_sent.end();) {
        if (it->first != 0 && !inTop(it->first)) {
            out.push_back({nowNs, it->first, -1});
            ++m_rows;
            it = m_sent.erase(it);
        } else {
            ++it;
        }
    }
    std::int64_t topBytes = 0;
    for (const TopHeapTasks::Entry& e : top.entries()) {
        if (e.taskId == 0)
            continue;
        const TaskInfo* task = tasks.task(e.taskId); // always there: an evicted task leaves the top
        const std::int64_t live = task ? std::max<std::int64_t>(0, task->liveBytes) : 0;
        topBytes += live;
        put(nowNs, e.taskId, live, out);
    }
    const std::int64_t other = std::max<std::int64_t>(0, top.attributedBytes() - topBytes);
    // No row at all while no task has held heap: a session without it has no per-task series.
    if (other != 0 || m_sent.count(0) != 0)
        put(nowNs, 0, other, out);
}

} // namespace coroscope::session
