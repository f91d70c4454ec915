// SessionWriter's time series: one row per batch (~10 Hz) of loop lag, utilization, memory and
// tasks by state; per-metric percentiles per batch; and the histograms (per second and whole run)
// in bucket form, rewritten every batch so a killed runner loses at most one batch of them; and
// the per-task heap series.
#include "recording/sessionwriter.h"

namespace coroscope::session {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

/// Binds the percentile (µs histogram) as ns, or NULL when the window recorded nothing.
void bindPercentileNs(Statement& s, int index, const Histogram& h, double p) {
    if (h.count() == 0)
        s.bindNull(index);
    else
        s.bind(index, (p >= 100 ? h.max() : h.percentile(p)) * 1000);
}

void bindUtilization(Statement& s, int index, std::int64_t wallNs, std::int64_t idleNs) {
    if (wallNs <= 0)
        s.bindNull(index);
    else
        s.bind(index, 1.0 - double(idleNs) / double(wallNs));
}

} // namespace

void SessionWriter::startSecond(std::int64_t second) {
    m_agg.second = second;
    m_agg.lagSecond.reset();
    for (auto& [name, histogram] : m_agg.metricSecond)
        histogram.reset();
    m_agg.secondWallNs = 0;
    m_agg.secondIdleNs = 0;
}

void SessionWriter::writeHistogram(const char* kind, const QString& name, std::int64_t second,
                                   const Histogram& h) {
    Statement s =
        m_db->prepare("INSERT OR REPLACE INTO histograms (kind, name, second, count, min, max, sum, "
                      "saturated, buckets) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)");
    const SparseHistogram sparse = SparseHistogram::of(h);
    s.bind(1, QString::fromLatin1(kind)).bind(2, name).bind(3, second).bind(4, std::int64_t(sparse.count));
    s.bind(5, sparse.min).bind(6, sparse.max).bind(7, sparse.sum).bind(8, std::int64_t(sparse.saturated));
    s.bindBlob(9, sparse.bucketsBlob());
    s.run();
}

void SessionWriter::writeTimeSeries(const SessionDelta& d) {
    const std::int64_t second = std::max<std::int64_t>(0, (d.tNs - m_originNs) / kNanosPerSecond);
    if (second != m_agg.second)
        startSecond(second);
    const Histogram lag = d.lagWindow.toHistogram();
    m_agg.lagSecond.merge(lag);
    m_agg.lagWhole.merge(lag);
    const std::int64_t wall = d.loopWallNs - m_agg.prevWallNs;
    const std::int64_t idle = d.loopIdleNs - m_agg.prevIdleNs;
    m_agg.prevWallNs = d.loopWallNs;
    m_agg.prevIdleNs = d.loopIdleNs;
    m_agg.secondWallNs += wall;
    m_agg.secondIdleNs += idle;

    if (!d.memory.empty()) {
        Statement s = m_db->prepare(
            "INSERT OR REPLACE INTO memory_samples (t_ns, rss_bytes, heap_bytes) VALUES (?1, ?2, ?3)");
        for (const MemorySample& m : d.memory) {
            s.bind(1, m.tNanos).bind(2, m.rssBytes).bind(3, m.heapBytes);
            s.run();
        }
        m_agg.rssBytes = d.memory.back().rssBytes;
        m_agg.heapBytes = d.memory.back().heapBytes;
    }

    Statement row = m_db->prepare("INSERT OR REPLACE INTO timeseries (t_ns, lag_p50_ns, lag_p90_ns, "
                                  "lag_p99_ns, lag_max_ns, utilization, "
                                  "rss_bytes, heap_bytes, tasks_created, tasks_scheduled, tasks_running, "
                                  "tasks_suspended, tasks_completed, "
                                  "tasks_failed, tasks_cancelled, tasks_total, segments_total) "
                                  "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)");
    row.bind(1, d.tNs);
    bindPercentileNs(row, 2, lag, 50);
    bindPercentileNs(row, 3, lag, 90);
    bindPercentileNs(row, 4, lag, 99);
    // No tick in this window because the loop is blocked: the max is how late the due tick is
    // already, so the chart shows the blocked span growing instead of stopping at its start.
    if (lag.count() == 0 && d.lagSoFarNs >= 0)
        row.bind(5, d.lagSoFarNs);
    else
        bindPercentileNs(row, 5, lag, 100);
    bindUtilization(row, 6, wall, idle);
    if (m_agg.rssBytes >= 0)
        row.bind(7, m_agg.rssBytes);
    else
        row.bindNull(7);
    if (m_agg.heapBytes >= 0)
        row.bind(8, m_agg.heapBytes);
    else
        row.bindNull(8);
    for (int s = 0; s < kTaskStateCount; ++s)
        row.bind(9 + s, std::int64_t(d.tasksByState[std::size_t(s)]));
    row.bind(16, std::int64_t(d.tasksTotal)).bind(17, std::int64_t(d.segmentsTotal));
    row.run();

    Statement metricRow =
        m_db->prepare("INSERT OR REPLACE INTO metric_series (name, t_ns, count, p50_ns, p90_ns, "
                      "p99_ns, max_ns) VALUES (?1,?2,?3,?4,?5,?6,?7)");
    for (const auto& [name, window] : d.metricWindows) {
        const Histogram h = window.toHistogram();
        metricRow.bind(1, name).bind(2, d.tNs).bind(3, std::int64_t(h.count()));
        bindPercentileNs(metricRow, 4, h, 50);
        bindPercentileNs(metricRow, 5, h, 90);
        bindPercentileNs(metricRow, 6, h, 99);
        bindPercentileNs(metricRow, 7, h, 100);
        metricRow.run();
        m_agg.metricSecond[name].merge(h);
        m_agg.metricWhole[name].merge(h);
        writeHistogram("metric", name, second, m_agg.metricSecond[name]);
        writeHistogram("metric", name, -1, m_agg.metricWhole[name]);
    }
    // Await sites keep one histogram each for the whole run: a second's worth per site would make
    // a long run's file grow with sites × seconds.
    for (const auto& [key, window] : d.awaitWindows) {
        Histogram& whole = m_agg.awaitWhole[key];
        whole.merge(window.toHistogram());
        writeHistogram("await", key, -1, whole);
    }
    writeHistogram("lag", QStringLiteral(""), second, m_agg.lagSecond);
    writeHistogram("lag", QStringLiteral(""), -1, m_agg.lagWhole);

    Statement loopSecond = m_db->prepare(
        "INSERT OR REPLACE INTO loop_seconds (second, t_ns, lag_p50_ns, lag_p99_ns, lag_max_ns, utilization, "
        "tasks_created, tasks_scheduled, tasks_running, tasks_suspended, tasks_completed, tasks_failed, "
        "tasks_cancelled) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)");
    loopSecond.bind(1, second).bind(2, d.tNs);
    bindPercentileNs(loopSecond, 3, m_agg.lagSecond, 50);
    bindPercentileNs(loopSecond, 4, m_agg.lagSecond, 99);
    bindPercentileNs(loopSecond, 5, m_agg.lagSecond, 100);
    bindUtilization(loopSecond, 6, m_agg.secondWallNs, m_agg.secondIdleNs);
    for (int s = 0; s < kTaskStateCount; ++s)
        loopSecond.bind(7 + s, std::int64_t(d.tasksByState[std::size_t(s)]));
    loopSecond.run();
}

void SessionWriter::writeTaskMemory(const SessionDelta& d) {
    if (d.taskMemory.empty())
        return;
    Statement s = m_db->prepare("INSERT INTO task_memory (t_ns, task_id, live_bytes) VALUES (?1, ?2, ?3)");
    for (const TaskMemoryRow& row : d.taskMemory) {
        s.bind(1, row.tNs).bind(2, std::int64_t(row.taskId));
        if (row.liveBytes < 0)
            s.bindNull(3);
        else
            s.bind(3, row.liveBytes);
        s.run();
    }
}

void SessionWriter::writeCpuProfile(const SessionDelta& d) {
    if (d.cpuIntervalNs > 0) {
        Statement meta =
            m_db->prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('cpu_interval_ns', ?1)");
        meta.bind(1, d.cpuIntervalNs).run();
    }
    if (!d.cpuFrames.empty()) {
        Statement s = m_db->prepare("INSERT OR REPLACE INTO cpu_frames (id, function, module, file, line) "
                                    "VALUES (?1, ?2, ?3, ?4, ?5)");
        for (const CpuFrame& f : d.cpuFrames) {
            s.bind(1, std::int64_t(f.id)).bind(2, f.function).bind(3, f.module).bind(4, f.file);
            s.bind(5, std::int64_t(f.line)).run();
        }
    }
    if (!d.cpuSamples.empty()) {
        // Keyed by time: a batch that is tried again replaces what it wrote.
        Statement s =
            m_db->prepare("INSERT OR REPLACE INTO cpu_samples (t_ns, node_id, weight) VALUES (?1, ?2, ?3)");
        for (const CpuSample& sample : d.cpuSamples)
            s.bind(1, sample.tNs)
                .bind(2, std::int64_t(sample.node))
                .bind(3, std::int64_t(sample.weight))
                .run();
    }
    if (d.cpuNodes.empty())
        return;
    // Whole rows, replaced: a batch that is tried again writes the same thing twice.
    Statement s =
        m_db->prepare("INSERT OR REPLACE INTO cpu_nodes (id, parent_id, frame_id, task_id, event_type, "
                      "self_samples) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    for (const CpuNode& n : d.cpuNodes) {
        s.bind(1, std::int64_t(n.id)).bind(2, std::int64_t(n.parent)).bind(3, std::int64_t(n.frame));
        s.bind(4, std::int64_t(n.taskId)).bind(5, n.parent == 0 ? n.eventType : QString());
        s.bind(6, std::int64_t(n.selfSamples)).run();
    }
}

} // namespace coroscope::session
