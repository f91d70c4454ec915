#pragma once

#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace coroscope {

/// How a profiled run ended; reports show it next to the script name.
/// Crashed: the runner's loop crashed (SIGSEGV, ...) and the runner still finished the session.
/// Unfinished: read from a session whose runner never finished it (killed, or still running).
enum class RunStatus {
    Completed,
    Failed,
    DurationElapsed,
    Interrupted,
    MemoryLimit,
    TaskLimit,
    Crashed,
    Unfinished
};

/// "completed", "failed", "duration-elapsed", "interrupted", "memory-limit", "task-limit",
/// "crashed", "unfinished": the
/// spelling the JSON report uses, so it must never change within one report schema.
inline QString runStatusName(RunStatus status) {
    switch (status) {
    case RunStatus::Completed:
        return QStringLiteral("completed");
    case RunStatus::Failed:
        return QStringLiteral("failed");
    case RunStatus::DurationElapsed:
        return QStringLiteral("duration-elapsed");
    case RunStatus::Interrupted:
        return QStringLiteral("interrupted");
    case RunStatus::MemoryLimit:
        return QStringLiteral("memory-limit");
    case RunStatus::TaskLimit:
        return QStringLiteral("task-limit");
    case RunStatus::Crashed:
        return QStringLiteral("crashed");
    case RunStatus::Unfinished:
        return QStringLiteral("unfinished");
    }
    return QStringLiteral("unknown");
}

/// The status named `name` (runStatusName()), if it is one.
inline std::optional<RunStatus> runStatusFromName(const QString& name) {
    for (const RunStatus s :
         {RunStatus::Completed, RunStatus::Failed, RunStatus::DurationElapsed, RunStatus::Interrupted,
          RunStatus::MemoryLimit, RunStatus::TaskLimit, RunStatus::Crashed, RunStatus::Unfinished})
        if (runStatusName(s) == name)
            return s;
    return std::nullopt;
}

/// What a report needs to know about the run besides the collected RunSnapshot.
struct RunInfo {
    QString script;       ///< path as given on the command line
    QString scriptSource; ///< the script text (the HTML report shows it; the JSON report does not)
    RunStatus status = RunStatus::Completed;
    QString endReason;  ///< which limit or signal ended the run ("SIGTERM"); empty: it ran its course
    QString crashStack; ///< the loop's native stack when it crashed, one "#N ..." frame per line
    std::int64_t startNs =
        0; ///< ns since the origin when the workload started; report times are relative to it
    std::int64_t durationNs = 0;
    /// ns since the origin when main returned (or the run was stopped), before shutdown cancelled
    /// what was left; 0: unknown (a program without a main of ours: the end of the run counts).
    std::int64_t mainEndedNs = 0;
    std::int64_t slowThresholdNs = 100'000'000;
    std::uint64_t seed = 0;
    std::vector<std::pair<QString, QString>> params; ///< --param k=v, in command-line order
    QString coroscopeVersion;                        ///< COROSCOPE_VERSION of the binary that ran it
    QString launchedProgram;       ///< `coroscope launch`: the program as the user named it (else empty)
    QStringList launchedArguments; ///< and its arguments
};

} // namespace coroscope
