#pragma once

#include <QString>

#include <optional>
#include <thread>

namespace coroscope {
class WorkloadRun;
}

namespace coroscope::app {

/// `coroscope run --control-stdin`: commands for a run in progress, one per line on standard
/// input, from the desktop app that started it. Read on a thread of its own, so a blocked loop
/// (the very thing being measured) still gets them.
///
///   slow-threshold T    change the slow-callback threshold (500ms, 1s, ...) at once
///
/// An unknown or malformed line is reported on stderr and ignored; end of input ends reading.
class ControlChannel {
public:
    explicit ControlChannel(WorkloadRun& run);
    ~ControlChannel();
    ControlChannel(const ControlChannel&) = delete;
    ControlChannel& operator=(const ControlChannel&) = delete;

    /// Applies one command line; the error, if it is not one.
    static std::optional<QString> apply(WorkloadRun& run, const QString& line);

private:
    std::jthread m_reader;
};

} // namespace coroscope::app
