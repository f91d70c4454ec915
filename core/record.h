#pragma once

#include "clock.h"

#include <QString>

#include <cstdint>
#include <memory>
#include <utility>

namespace coroscope {

/// What one Record says. Records are the single data path from the measured threads to the
/// Collector: live views and saved sessions are both built from this stream.
enum class RecordKind : std::uint8_t {
    /// task; a = parent id; b = coroutine resume address; text = name; label:c = spawn file:line;
    /// t1 = its heap::Account* (0 without the malloc interposer)
    TaskCreated,
    /// task; t0..t1 = one resume segment; a = ready ticks (0: unknown); b = exclusive ticks;
    /// label = what the task now awaits (nullptr: it finished); c = await arg; text = await detail
    TaskSegment,
    /// task; t0; state = TaskState; text = error message
    TaskFinished,
    /// task; t0
    TaskCancelRequested,
    /// task: somebody awaited the failed task and received its error
    TaskErrorRetrieved,
    /// task; t0: the last handle to the task is gone, nobody can await it any more
    TaskReleased,
    /// a = dispatch seq; t0..t1 = dispatch; c = busy ticks (nested idle excluded); b = event type;
    /// task = task with the most exclusive time; label = receiver class;
    /// state = 1: below the threshold after all, retract what the watchdog reported;
    /// text = the script line that blocked ("file.js:12"), if the script runtime set one
    SlowCallback,
    /// a = dispatch seq; t0 = dispatch start; t1 = reported (captured and symbolized);
    /// task = running task; label = receiver class; b = event type; text = symbolized stack;
    /// c = the script line running then (an interned const char*, 0 if none)
    BlockingStack,
    /// t0 = probe time; a = lag ns; b = idle ticks since the previous tick
    LoopTick,
    /// t0 = sample time (ns since origin); a = RSS bytes; b = heap bytes
    MemorySample,
    /// label = metric name (interned, see internStableString()); a = value in ns; task = recorder
    MetricSample,
    /// task = owner; a = bytes; state = 0 allocated, 1 freed (attributed to the allocating task)
    Allocation,
};

/// One event, moved through a lock-free ring: exactly one cache line, so a push touches one line
/// (the producer and the collector run on different cores; every extra line is a cache miss on
/// the measured loop). Plain integers on the hot kinds; text only on rare ones, behind a pointer
/// that is null (no allocation) otherwise.
struct alignas(64) Record {
    RecordKind kind : 8 = RecordKind::TaskSegment;
    std::uint8_t state : 8 = 0;
    std::uint64_t task : 48 = 0; ///< task ids stay far below 2^48
    Clock::Ticks t0 = 0;
    Clock::Ticks t1 = 0;
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::int64_t c = 0;
    const char* label = nullptr; ///< static storage only (literals, class names from metaobjects)
    std::unique_ptr<QString> text;

    void setText(QString value) {
        if (!value.isEmpty())
            text = std::make_unique<QString>(std::move(value));
    }
    /// Moves the text out (empty if none). Touches the record only when there is text.
    QString takeText() { return text ? std::move(*std::exchange(text, nullptr)) : QString(); }
    bool hasText() const noexcept { return bool(text); }
};

static_assert(sizeof(Record) == 64, "a Record must fit one cache line");

} // namespace coroscope
