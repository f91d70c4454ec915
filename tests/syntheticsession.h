#pragma once
// A session file made up for tests and benchmarks of the views: `tasks` tasks (ids 1..N; task i
// spawned by task i/10, named "task-<i % 97>", its state i % 7, created at i µs, busy i % 1000 µs,
// living bytes (i * 37) % 4096), each with `segmentsPerTask` resume segments. Written straight
// through the schema, as the session writer would, in one transaction.
#include "model/taskstate.h"
#include "session/sessionschema.h"
#include "session/sqlite.h"

#include <QFile>
#include <QString>

namespace coroscope::test {

inline constexpr std::int64_t kSyntheticStartNs = 1'000'000'000;

inline std::int64_t syntheticCreatedNs(std::uint64_t id) {
    return kSyntheticStartNs + std::int64_t(id) * 1'000;
}

inline void writeSyntheticSession(const QString& path, std::uint64_t tasks, int segmentsPerTask,
                                  bool finished = true) {
    QFile::remove(path);
    session::Database db(path, session::Database::Mode::Create);
    session::createSchema(db);
    db.exec("BEGIN");
    session::Statement meta = db.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)");
    const std::int64_t endNs = syntheticCreatedNs(tasks) + 10'000'000;
    meta.bind(1, QStringLiteral("script")).bind(2, QStringLiteral("synthetic.js")).run();
    meta.bind(1, QStringLiteral("start_ns")).bind(2, QString::number(kSyntheticStartNs)).run();
    meta.bind(1, QStringLiteral("slow_threshold_ns")).bind(2, QStringLiteral("100000000")).run();
    if (finished) {
        meta.bind(1, QStringLiteral("status")).bind(2, QStringLiteral("completed")).run();
        meta.bind(1, QStringLiteral("duration_ns")).bind(2, QString::number(endNs - kSyntheticStartNs)).run();
    }
    session::Statement task = db.prepare(
        "INSERT INTO tasks (id, parent_id, name, spawn_location, state, created_ns, finished_ns, busy_ns, "
        "idle_ns, sched_ns, resumes, awaiting, error, alloc_bytes, live_bytes, cancel_requested, released, "
        "error_retrieved) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,0,1,1)");
    session::Statement segment = db.prepare(
        "INSERT INTO segments (task_id, start_ns, end_ns, ready_ns, exclusive_ns) VALUES (?1,?2,?3,?4,?5)");
    for (std::uint64_t id = 1; id <= tasks; ++id) {
        const auto state = TaskState(id % kTaskStateCount);
        const bool done =
            state == TaskState::Completed || state == TaskState::Failed || state == TaskState::Cancelled;
        const std::int64_t created = syntheticCreatedNs(id);
        const std::int64_t busy = std::int64_t(id % 1000) * 1'000;
        task.bind(1, std::int64_t(id))
            .bind(2, std::int64_t(id / 10))
            .bind(3, QStringLiteral("task-%1").arg(id % 97))
            .bind(4, QStringLiteral("synthetic.js:%1").arg(id % 50 + 1))
            .bindStatic(5, taskStateName(state).data())
            .bind(6, created)
            .bind(7, done ? created + 5'000'000 : std::int64_t(-1))
            .bind(8, busy)
            .bind(9, std::int64_t(0))
            .bind(10, std::int64_t(0))
            .bind(11, std::int64_t(segmentsPerTask))
            .bind(12, done ? QString() : QStringLiteral("sleep(100)"))
            .bind(13, state == TaskState::Failed ? QStringLiteral("Error: boom %1").arg(id) : QString())
            .bind(14, std::int64_t(id * 37 % 4096) * 2)
            .bind(15, std::int64_t(id * 37 % 4096))
            .run();
    }
    // Segments in the order they end, as the runner appends them: task i's s-th starts at
    // (i + 10 + 100 s) µs after the start, so by that sum.
    for (std::uint64_t t = 11; t <= tasks + 10 + 100 * std::uint64_t(segmentsPerTask); ++t) {
        for (int s = segmentsPerTask - 1; s >= 0; --s) {
            const std::uint64_t offset = 10 + 100 * std::uint64_t(s);
            if (t < offset + 1 || t - offset > tasks)
                continue;
            const std::uint64_t id = t - offset;
            const std::int64_t start = syntheticCreatedNs(id) + std::int64_t(offset) * 1'000;
            segment.bind(1, std::int64_t(id))
                .bind(2, start)
                .bind(3, start + 20'000)
                .bind(4, start - 5'000)
                .bind(5, std::int64_t(20'000))
                .run();
        }
    }
    session::Statement series = db.prepare(
        "INSERT INTO timeseries (t_ns, tasks_created, tasks_scheduled, tasks_running, tasks_suspended, "
        "tasks_completed, tasks_failed, tasks_cancelled, tasks_total, segments_total) "
        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)");
    series.bind(1, endNs);
    for (int s = 0; s < kTaskStateCount; ++s)
        series.bind(
            2 + s,
            std::int64_t(tasks / kTaskStateCount +
                         (std::uint64_t(s) >= 1 && std::uint64_t(s) <= tasks % kTaskStateCount ? 1 : 0)));
    series.bind(9, std::int64_t(tasks)).bind(10, std::int64_t(tasks) * segmentsPerTask).run();
    db.exec("COMMIT");
}

} // namespace coroscope::test
