#pragma once

#include "model/histogram.h"
#include "model/memorystats.h"
#include "model/taskstate.h"

#include <QString>

#include <array>
#include <cstdint>
#include <vector>

namespace coroscope {

/// Everything Coroscope knows about one task. Times are ns since the process origin; durations ns.
struct TaskInfo {
    std::uint64_t id = 0;
    std::uint64_t parentId = 0;
    QString name;          ///< given with spawn(), or the coroutine function's name
    QString spawnLocation; ///< "file:line"
    TaskState state = TaskState::Created;
    std::int64_t createdNs = 0;
    std::int64_t finishedNs = -1; ///< -1 while unfinished
    std::int64_t busyNs = 0;      ///< sum of its resume segments (exclusive of tasks nested inside)
    std::int64_t idleNs = 0;      ///< suspended, waiting for what it awaited
    std::int64_t schedNs = 0;     ///< ready but not yet running (scheduling delay)
    std::int64_t lastSuspendNs = 0;
    std::uint32_t resumes = 0;
    std::int64_t allocatedBytes = 0; ///< heap bytes allocated, attributed to this task
    std::int64_t liveBytes = 0;      ///< of those, still live
    QString awaiting;                ///< what it waits for while suspended (formatted in snapshots)
    const char* awaitKind = nullptr; ///< the same, structured: kind, argument, detail
    std::int64_t awaitArg = 0;
    QString awaitDetail;
    std::uintptr_t coroutineAddress = 0; ///< names an unnamed task once symbols are loaded
    QString error;                       ///< failure message, for failed tasks
    bool cancelRequested = false;
    bool released = false; ///< its last handle is gone: nobody can await it any more
    bool errorRetrieved = false;
};

enum class Severity : std::uint8_t { Info, Warning, Error };
const char* severityName(Severity s) noexcept;

/// One finding of a diagnostic rule.
struct Diagnostic {
    std::uint64_t id = 0; ///< the collector's, from 1: a revised finding keeps its id
    QString rule;
    Severity severity = Severity::Warning;
    QString message;
    std::uint64_t taskId = 0;
    QString taskName;
    QString location;
    std::int64_t tNs = 0;
};

/// A dispatch that ran longer than the slow-callback threshold.
struct SlowCallback {
    std::uint64_t dispatchSeq = 0;
    std::int64_t startNs = 0;
    std::int64_t durationNs = 0; ///< so far, while `ongoing`
    bool ongoing = false;        ///< the watchdog saw it; the dispatch has not returned yet
    std::uint64_t taskId = 0;
    QString taskName;
    QString receiverClass;
    QString eventType;
    QString stack; ///< captured by the watchdog while the loop was blocked
    std::int64_t stackCapturedNs = -1;
    QString location;
};

/// One second (or the span between probe ticks, if the loop was blocked longer) of loop health.
struct LoopSecond {
    std::int64_t tNs = 0;
    std::int64_t lagP50Ns = 0;
    std::int64_t lagP99Ns = 0;
    std::int64_t lagMaxNs = 0;
    double utilization = 0;
    std::array<std::uint64_t, kTaskStateCount> tasksByState{};
};

struct DropCounters {
    std::uint64_t records = 0;  ///< records lost because a channel was full
    std::uint64_t segments = 0; ///< of which resume segments
    std::uint64_t evictedTasks = 0;
    std::uint64_t slowCallbacksOverLimit = 0;
    std::uint64_t diagnosticsOverLimit = 0;
};

/// One latency metric (recorded by measure()/record() in scripts, or recordMetric() in C++).
struct LatencyMetric {
    QString name;
    Histogram micros; ///< values in µs
};

/// One await site: where tasks awaited (a script's `yield` line, a C++ `co_await`), what they
/// awaited there, and how long they stayed suspended (from the suspension to the resume, or to
/// the end of a task that ended there, cancelled).
struct AwaitSiteStats {
    QString location; ///< "file:line"; "" when unknown
    QString awaited;  ///< the await's kind: "sleep", "task", "network", a waiter's label
    Histogram micros; ///< suspended time per await, µs
};

/// The name an await site's histogram has in a session: awaited, a unit separator, location.
QString awaitSiteKey(const QString& awaited, const QString& location);

/// An immutable copy of the collected state, safe to hand to any thread.
struct RunSnapshot {
    std::int64_t nowNs = 0;
    std::vector<TaskInfo> tasks; ///< by id
    std::array<std::uint64_t, kTaskStateCount> tasksByState{};
    std::uint64_t tasksTotal = 0;
    std::uint64_t segmentsTotal = 0;
    std::vector<SlowCallback> slowCallbacks;
    std::vector<Diagnostic> diagnostics;
    Histogram loopLagMicros;
    std::vector<LatencyMetric> latency;     ///< by name
    std::vector<AwaitSiteStats> awaitSites; ///< by location, then awaited
    std::vector<LoopSecond> loopSeconds;
    double loopUtilization = 0; ///< over the whole run
    std::vector<MemorySample> memory;
    MemoryStats memoryStats;
    DropCounters drops;

    const TaskInfo* task(std::uint64_t id) const;
};

} // namespace coroscope
