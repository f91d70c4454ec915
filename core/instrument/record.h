#pragma once

#include "instrument/awaitsite.h"
#include "instrument/clock.h"
#include "model/memorystats.h"
#include "model/taskstate.h"

#include <QString>

#include <cstdint>
#include <memory>
#include <utility>

namespace coroscope {
namespace heap {
struct Account;
} // namespace heap

/// What one Record says. Records are the single data path from the measured threads to the
/// Collector: live views and saved sessions are both built from this stream.
enum class RecordKind : std::uint8_t {
    TaskCreated,
    TaskSegment, ///< one resume of a task
    TaskFinished,
    TaskCancelRequested,
    TaskErrorRetrieved, ///< somebody awaited the failed task and received its error
    TaskReleased,       ///< the last handle to the task is gone: nobody can await it any more
    SlowCallback,       ///< a dispatch over the threshold ended (or was retracted)
    BlockingStack,      ///< the watchdog's stack of a dispatch still blocked
    LoopTick,           ///< the lag probe's timer fired
    MemorySample,
    MetricSample, ///< a latency measured by the workload (measure(), recordMetric())
    Allocation,   ///< a buffer charged to (or released by) a task, without the malloc interposer
};

/// One event, moved through a lock-free ring: exactly one cache line, so a push touches one line
/// (the producer and the collector run on different cores; every extra line is a cache miss on
/// the measured loop). Plain integers on the hot kinds; text only on rare ones, behind a pointer
/// that is null (no allocation) otherwise.
///
/// Made by one factory per kind and read through that kind's accessors: the few raw fields are
/// shared by all kinds, and only this class knows which field holds what.
class alignas(64) Record {
public:
    Record() = default;

    RecordKind kind() const noexcept { return m_kind; }
    std::uint64_t task() const noexcept { return m_task; }
    /// When it happened (the dispatch's or segment's start for those kinds).
    Clock::Ticks at() const noexcept { return m_t0; }

    // ---- TaskCreated ----
    static Record taskCreated(std::uint64_t task, Clock::Ticks at, std::uint64_t parent,
                              std::uintptr_t coroutineAddress, const heap::Account* account) noexcept {
        Record r(RecordKind::TaskCreated, task, at);
        r.m_a = parent;
        r.m_b = coroutineAddress;
        r.m_t1 = Clock::Ticks(reinterpret_cast<std::uintptr_t>(account));
        return r;
    }
    /// The name spawn() gave it and where it was spawned (`file` of static storage; may be null).
    void setSpawnSite(QString name, const char* file, int line) {
        setText(std::move(name));
        m_label = file;
        m_c = line;
    }
    std::uint64_t parentId() const noexcept { return m_a; }
    /// The coroutine's resume function: what an unnamed task is named after.
    std::uintptr_t coroutineAddress() const noexcept { return std::uintptr_t(m_b); }
    const char* spawnFile() const noexcept { return m_label; }
    int spawnLine() const noexcept { return int(m_c); }
    /// The task's heap account (null without the malloc interposer).
    const heap::Account* heapAccount() const noexcept {
        return reinterpret_cast<const heap::Account*>(std::uintptr_t(m_t1));
    }

    // ---- TaskSegment ----
    /// `ready`: when it became ready to run (0: unknown); `exclusive`: its own ticks in the segment.
    static Record taskSegment(std::uint64_t task, Clock::Ticks start, Clock::Ticks end, Clock::Ticks ready,
                              Clock::Ticks exclusive) noexcept {
        Record r(RecordKind::TaskSegment, task, start);
        r.m_t1 = end;
        r.m_a = ready;
        r.m_b = exclusive;
        return r;
    }
    /// What the task awaits now, and where (interned); a segment without it ended the task.
    void setAwait(const AwaitSite* site, std::int64_t arg, QString detail) {
        m_label = reinterpret_cast<const char*>(site);
        m_c = arg;
        setText(std::move(detail));
    }
    Clock::Ticks segmentEnd() const noexcept { return m_t1; }
    Clock::Ticks readyAt() const noexcept { return m_a; }
    Clock::Ticks exclusiveTicks() const noexcept { return m_b; }
    /// This suspension goes on with the await the segment resumed from (one script `yield` that
    /// suspends several times): the await is not over at the segment's start.
    void markAwaitContinues() noexcept { m_state = 1; }
    bool awaitContinues() const noexcept { return m_state == 1; }
    const AwaitSite* awaitSite() const noexcept { return reinterpret_cast<const AwaitSite*>(m_label); }
    const char* awaitKind() const noexcept { return awaitSite() ? awaitSite()->kind : nullptr; }
    std::int64_t awaitArg() const noexcept { return m_c; }

    // ---- TaskFinished (text: the error), TaskCancelRequested, TaskErrorRetrieved, TaskReleased ----
    static Record taskFinished(std::uint64_t task, Clock::Ticks at, TaskState state, QString error) {
        Record r(RecordKind::TaskFinished, task, at);
        r.m_state = std::uint8_t(state);
        r.setText(std::move(error));
        return r;
    }
    static Record taskEvent(RecordKind kind, std::uint64_t task, Clock::Ticks at) noexcept {
        return Record(kind, task, at);
    }
    TaskState finalState() const noexcept { return TaskState(m_state); }

    // ---- SlowCallback (text: the script line that blocked) ----
    /// `task`: the task with the most exclusive time in it; `retracted`: below the threshold after
    /// all (the watchdog reported it while a nested loop slept), so what was reported is withdrawn.
    static Record slowCallback(std::uint64_t seq, Clock::Ticks start, Clock::Ticks end, Clock::Ticks busy,
                               bool retracted, int eventType, std::uint64_t task,
                               const char* receiverClass) noexcept {
        Record r(RecordKind::SlowCallback, task, start);
        r.m_a = seq;
        r.m_t1 = end;
        r.m_c = std::int64_t(busy);
        r.m_state = retracted ? 1 : 0;
        r.m_b = std::uint64_t(eventType);
        r.m_label = receiverClass;
        return r;
    }
    std::uint64_t dispatchSeq() const noexcept { return m_a; }
    Clock::Ticks dispatchEnd() const noexcept { return m_t1; }
    /// Busy ticks of the dispatch (the idle time of nested loops excluded).
    Clock::Ticks busyTicks() const noexcept { return Clock::Ticks(m_c); }
    bool isRetraction() const noexcept { return m_state == 1; }
    int eventType() const noexcept { return int(m_b); }
    const char* receiverClass() const noexcept { return m_label; }

    // ---- BlockingStack (text: the symbolized stack) ----
    /// `task`: running when captured; `scriptLine`: an interned "file.js:12" (may be null).
    static Record blockingStack(std::uint64_t seq, Clock::Ticks start, Clock::Ticks reported,
                                std::uint64_t task, const char* scriptLine, int eventType,
                                const char* receiverClass, QString stack) {
        Record r(RecordKind::BlockingStack, task, start);
        r.m_a = seq;
        r.m_t1 = reported;
        r.m_c = std::int64_t(reinterpret_cast<std::uintptr_t>(scriptLine));
        r.m_b = std::uint64_t(eventType);
        r.m_label = receiverClass;
        r.setText(std::move(stack));
        return r;
    }
    /// When the stack was captured and symbolized.
    Clock::Ticks reportedAt() const noexcept { return m_t1; }
    const char* scriptLine() const noexcept { return reinterpret_cast<const char*>(std::uintptr_t(m_c)); }

    // ---- LoopTick ----
    static Record loopTick(Clock::Ticks at, std::int64_t lagNanos, Clock::Ticks idleSincePrevious) noexcept {
        Record r(RecordKind::LoopTick, 0, at);
        r.m_a = std::uint64_t(lagNanos);
        r.m_b = idleSincePrevious;
        return r;
    }
    std::int64_t lagNanos() const noexcept { return std::int64_t(m_a); }
    Clock::Ticks idleTicks() const noexcept { return m_b; }

    // ---- MemorySample ----
    static Record memory(const MemorySample& sample) noexcept {
        Record r(RecordKind::MemorySample, 0, Clock::Ticks(sample.tNanos));
        r.m_a = std::uint64_t(sample.rssBytes);
        r.m_b = std::uint64_t(sample.heapBytes);
        return r;
    }
    MemorySample memorySample() const noexcept {
        return {std::int64_t(m_t0), std::int64_t(m_a), std::int64_t(m_b)};
    }

    // ---- MetricSample ----
    /// `name`: interned (see internStableString()); `task`: the recorder.
    static Record metricSample(std::uint64_t task, Clock::Ticks at, const char* name,
                               std::int64_t nanos) noexcept {
        Record r(RecordKind::MetricSample, task, at);
        r.m_label = name;
        r.m_a = std::uint64_t(nanos);
        return r;
    }
    const char* metricName() const noexcept { return m_label; }
    std::int64_t metricNanos() const noexcept { return std::int64_t(m_a); }

    // ---- Allocation ----
    static Record allocation(std::uint64_t task, Clock::Ticks at, std::int64_t bytes, bool freed) noexcept {
        Record r(RecordKind::Allocation, task, at);
        r.m_a = std::uint64_t(bytes);
        r.m_state = freed ? 1 : 0;
        return r;
    }
    std::int64_t allocationBytes() const noexcept { return std::int64_t(m_a); }
    bool isFree() const noexcept { return m_state == 1; }

    // ---- text, on the kinds that carry one ----
    void setText(QString value) {
        if (!value.isEmpty())
            m_text = std::make_unique<QString>(std::move(value));
    }
    /// Moves the text out (empty if none). Touches the record only when there is text.
    QString takeText() { return m_text ? std::move(*std::exchange(m_text, nullptr)) : QString(); }
    bool hasText() const noexcept { return bool(m_text); }

private:
    Record(RecordKind kind, std::uint64_t task, Clock::Ticks t0) noexcept
        : m_kind(kind)
        , m_task(task)
        , m_t0(t0) {}

    RecordKind m_kind : 8 = RecordKind::TaskSegment;
    std::uint8_t m_state : 8 = 0;
    std::uint64_t m_task : 48 = 0; ///< task ids stay far below 2^48
    Clock::Ticks m_t0 = 0;
    Clock::Ticks m_t1 = 0;
    std::uint64_t m_a = 0;
    std::uint64_t m_b = 0;
    std::int64_t m_c = 0;
    const char* m_label = nullptr; ///< static storage only (literals, class names from metaobjects)
    std::unique_ptr<QString> m_text;
};

static_assert(sizeof(Record) == 64, "a Record must fit one cache line");

} // namespace coroscope
