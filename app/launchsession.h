#pragma once

#include "reading/sessionreader.h"

#include <QString>

#include <cstdint>
#include <optional>

namespace coroscope::app {

/// How PROGRAM ended, as `coroscope launch` saw it.
struct ProgramEnd {
    bool crashed = false;         ///< a signal ended it (`code` is the signal's number)
    int code = 0;                 ///< its exit code, or the signal
    bool durationElapsed = false; ///< launch stopped it after --duration
    std::int64_t wallNs = 0;      ///< from start to end, as launch timed it
};

/// What the probe said in its status file: that it attached to PROGRAM's application, or why not.
struct ProbeReport {
    bool attached = false;
    QString error;            ///< the probe's own words (a different Qt, a session it could not make)
    QString waitingForThread; ///< --thread's name, once the application object existed
    QStringList threadsSeen;  ///< the names of the other threads that dispatched events meanwhile
};
ProbeReport readProbeStatus(const QString& statusFile);

/// "exit code 0", "killed by signal 11 (SIGSEGV)", "stopped after --duration".
QString describeEnd(const ProgramEnd& end);

/// Writes how PROGRAM ended into the session the probe recorded (status, exit code or signal,
/// and the duration if PROGRAM died before the probe could write it), then reads it back.
std::optional<session::SessionData> concludeSession(const QString& path, const ProgramEnd& end,
                                                    QString& error);

} // namespace coroscope::app
