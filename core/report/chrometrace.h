#pragma once

#include "reading/sessionreader.h"

#include <QByteArray>

class QIODevice;

namespace coroscope {

/// Writes `data` as Chrome Trace Event JSON (the `.trace.json` report; docs/report-formats.md):
/// each task an async track, resume segments as `X` slices on the event-loop thread, slow
/// callbacks as slices on a track of their own, spawn → first resume as flows, counters for
/// RSS, heap, loop lag and tasks by state. Timestamps are µs since the run start.
///
/// Segments are not part of SessionData: they are streamed from the session file at data.path
/// (none when the path is empty), so a session of millions of segments never sits in memory
/// twice. Throws session::SessionError when that file cannot be read. Returns false when writing
/// to `out` failed (out.errorString() says why).
bool writeChromeTrace(const session::SessionData& data, QIODevice& out);

/// The same trace, in memory (tests, small runs). Throws session::SessionError like
/// writeChromeTrace().
QByteArray toChromeTrace(const session::SessionData& data);

} // namespace coroscope
