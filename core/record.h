#pragma once

#include "clock.h"

#include <QString>

#include <cstdint>

namespace coroscope {

/// What one Record says. Records are the single data path from the measured threads to the
/// Collector: live views and saved sessions are both built from this stream.
enum class RecordKind : std::uint8_t {
    TaskCreated,        ///< task, a = parent id, b = coroutine resume address, text = name, label/c = file/line
    TaskSegment,        ///< task, t0..t1 = one resume segment, a = ready ticks (0 unknown), b = exclusive
                        ///< ticks, label = what the task now awaits (nullptr: it finished), c = await arg,
                        ///< text = await detail
    TaskFinished,       ///< task, t0, state = TaskState, text = error message
    TaskCancelRequested,///< task, t0
    TaskErrorRetrieved, ///< task: somebody awaited the failed task and received its error
    TaskReleased,       ///< task, t0: the last handle to the task is gone; nobody can await it any more
    SlowCallback,       ///< a = dispatch seq, t0..t1 dispatch, b = event type, task = dominant task,
                        ///< label = receiver class, text = receiver objectName
    BlockingStack,      ///< a = dispatch seq, t0 = dispatch start, t1 = capture time, task = running task,
                        ///< label = receiver class, b = event type, text = symbolized stack
    LoopTick,           ///< t0 = probe time, a = lag ns, b = idle ticks since the previous tick
    MemorySample,       ///< t0 = sample time (ns since origin), a = RSS bytes, b = heap bytes
};

/// One event, moved through a lock-free ring. Plain fields so the hot path only stores integers;
/// `text` stays a null QString (no allocation) on the hot kinds.
struct Record {
    RecordKind kind = RecordKind::TaskSegment;
    std::uint8_t state = 0;
    std::uint64_t task = 0;
    Clock::Ticks t0 = 0;
    Clock::Ticks t1 = 0;
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::int64_t c = 0;
    const char* label = nullptr; ///< static storage only (literals, class names from metaobjects)
    QString text;
};

} // namespace coroscope
