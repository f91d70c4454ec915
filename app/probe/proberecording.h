#pragma once

#include "recording/sessiondeltaqueue.h"
#include "recording/sessionwriter.h"
#include <coroscope/profiler.h>

#include <QString>
#include <QStringList>

#include <chrono>
#include <memory>
#include <optional>

namespace coroscope::probe {

/// What `coroscope launch` asks of the probe, from the environment it starts PROGRAM with.
struct ProbeConfig {
    QString session;    ///< COROSCOPE_PROBE_SESSION: the session file to record
    QString statusFile; ///< COROSCOPE_PROBE_STATUS: where the probe says it attached, or why not
    std::chrono::nanoseconds slowThreshold{std::chrono::milliseconds(100)};
    std::chrono::microseconds cpuSampleInterval{1000}; ///< the CPU profile's; 0: off
    QString program;                                   ///< COROSCOPE_PROBE_PROGRAM: as the user named it
    QStringList arguments;                             ///< COROSCOPE_PROBE_ARGS: its arguments, one per line
    bool taskHeap = false; ///< COROSCOPE_PROBE_TASK_HEAP=1: PROGRAM links the SDK, charge heap to tasks
    QString thread;        ///< COROSCOPE_PROBE_THREAD: measure the thread of this name (empty: the app's)

    /// Null when COROSCOPE_PROBE_SESSION is not set: the probe stays inert.
    static std::optional<ProbeConfig> fromEnvironment();
};

/// The in-process half of `coroscope launch`: a Profiler on the thread that created the
/// application object, its records written into the session as `coroscope run` writes them.
/// Made by the probe's startup hook; finish() from the application's destructor or at exit.
class ProbeRecording {
public:
    explicit ProbeRecording(ProbeConfig config);
    ~ProbeRecording();
    ProbeRecording(const ProbeRecording&) = delete;
    ProbeRecording& operator=(const ProbeRecording&) = delete;

    /// Starts profiling the calling thread and recording; the error, if the session cannot be made.
    std::optional<QString> start();
    /// Stops the profiler and finishes the session with status "completed"; `coroscope launch`
    /// rewrites the status from how PROGRAM really ended. Idempotent; on the measured thread.
    void finish(const QString& endReason);
    bool isRecording() const noexcept { return m_session != nullptr && !m_finished; }

private:
    ProbeConfig m_config;
    Profiler m_profiler;
    session::SessionDeltaQueue m_deltas;
    std::unique_ptr<session::SessionWriter> m_session;
    std::int64_t m_startNs = 0;
    bool m_finished = false;
};

} // namespace coroscope::probe
