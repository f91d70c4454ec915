#pragma once

#include "model/cpuprofile.h"
#include "model/runinfo.h"
#include "model/runmodel.h"
#include "model/spawnsite.h"

#include <QString>
#include <QStringList>

#include <stdexcept>
#include <vector>

namespace coroscope::session {

/// A session file that cannot be read: the message names the file and what is wrong with it.
class SessionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    QString message() const { return QString::fromUtf8(what()); }
};

/// The longest text read from a session, in UTF-16 units: a longer one is cut there and ends in
/// "…", so one string edited into a file cannot make every report hundreds of MB (the script's
/// source alone is read whole). Above what a runner records (the collector keeps names of 256,
/// errors of 4 KiB, stacks of 32 KiB; the writer log lines of 4 KiB), so a recorded session reads
/// back unchanged.
inline constexpr qsizetype kMaxNameChars = 4096;   ///< names: task, metric, rule, class, event; meta values
inline constexpr qsizetype kMaxTextChars = 16384;  ///< locations, awaits, errors, messages, log lines
inline constexpr qsizetype kMaxStackChars = 65536; ///< native stacks

/// One point of the 10 Hz time series.
struct TimePoint {
    std::int64_t tNs = 0;
    std::int64_t lagP50Ns = -1; ///< -1: no probe tick in that window
    std::int64_t lagP90Ns = -1;
    std::int64_t lagP99Ns = -1;
    std::int64_t lagMaxNs = -1; ///< while the loop was blocked: how late its due tick was by then
    double utilization = -1;    ///< -1: unknown
    std::int64_t rssBytes = -1;
    std::int64_t heapBytes = -1;
    std::array<std::uint64_t, kTaskStateCount> tasksByState{};
};

/// One batch of one latency metric (µs histograms, percentiles here in ns).
struct MetricPoint {
    std::int64_t tNs = 0;
    std::uint64_t count = 0;
    std::int64_t p50Ns = 0;
    std::int64_t p90Ns = 0;
    std::int64_t p99Ns = 0;
    std::int64_t maxNs = 0;
};

struct MetricSeries {
    QString name;
    std::vector<MetricPoint> points;
};

struct LogLine {
    std::int64_t tNs = 0;
    QString line;
};

/// One layer of the per-task heap series: a task among the top ones, or all the others.
struct TaskMemoryLayer {
    std::uint64_t taskId = 0; ///< 0: "other tasks" (every task not a layer of its own)
    QString name;             ///< the task's name (empty for other tasks, or a task without a row)
    std::int64_t peakBytes = 0;
    std::vector<std::int64_t> liveBytes; ///< one per TaskMemorySeries::tNs
};

/// Live heap per task over time (`task_memory`): the tasks that held the most at their peak, each
/// a layer, and the rest of the heap attributed to tasks as one more. Every layer has a value at
/// every time, so the layers stack. Empty for a session without the table (recorded before it
/// existed) or without any heap attributed to tasks.
struct TaskMemorySeries {
    /// The most layers of their own: the tasks with the 8 largest peaks in the table (as many as
    /// the runner keeps at a time; over a run more may pass through), the rest fold into other
    /// tasks: a chart of more layers than colours is not readable.
    static constexpr std::size_t kMaxTaskLayers = 8;
    std::vector<std::int64_t> tNs;       ///< the sample times, ascending
    std::vector<TaskMemoryLayer> layers; ///< by peak, largest first; other tasks last
    bool empty() const noexcept { return tNs.empty(); }
};

/// Everything a session holds, in the types reports and views use.
struct SessionData {
    QString path; ///< the session file (empty: made from a run's snapshot, no file)
    RunInfo info;
    RunSnapshot snapshot;
    QString mainError;
    bool finished = false; ///< the runner closed the session (false: killed, crashed or running)
    std::vector<TimePoint> timeSeries;
    std::vector<MetricSeries> metricSeries; ///< by name
    TaskMemorySeries taskMemory;
    CpuProfile cpuProfile;             ///< the loop thread's CPU samples (not recorded: intervalNs 0)
    std::vector<SpawnSite> spawnSites; ///< what the tasks spawned at each place did
    std::vector<LogLine> logs;
    QString host;
    QString startedAt; ///< ISO 8601, local time with offset
    /// What could not be read, one sentence each naming the file (a truncated or damaged file, a
    /// log that needs write access): the data above is what could. Empty for an intact session.
    QStringList warnings;
};

/// What to read of a session.
struct ReadOptions {
    /// Every task's row into `snapshot.tasks`. Views of a session that may hold a million tasks
    /// leave them out and page them through TaskStore; `tasksByState` and `tasksTotal` are
    /// filled either way.
    bool taskRows = true;
};

/// Reads a whole session. Throws SessionError for a missing, foreign, newer, truncated or
/// damaged file; never crashes on one. Safe while the runner is still writing it.
SessionData readSession(const QString& path, ReadOptions options = {});

/// Writes a consistent, compacted copy of the session at `from` to `to` (replacing it), safe while
/// a runner still writes `from`: what it had committed is copied. Throws SessionError naming
/// the file and the cause (not a session, disk full).
void copySession(const QString& from, const QString& to);

/// What a run's own snapshot gives when there is no session file to read (its recording failed):
/// no time series, no segments, no logs.
SessionData sessionDataFromSnapshot(const RunInfo& info, const RunSnapshot& snapshot);

} // namespace coroscope::session
