#pragma once

#include "instrument/instrumentedthread.h"

#include <QEvent>
#include <QObject>

namespace coroscope {

/// Times one event dispatch on an instrumented thread; constructed at the top of notify().
///
/// Only top-level (depth 0) dispatches are timed: nested ones belong to their parent. The hot
/// path is a TLS load, two clock reads and a handful of plain and relaxed-atomic stores; the
/// slow-callback record is built out of line, only when the threshold was crossed.
/// The receiver's class is taken at the start: the receiver may be deleted by its own handler
/// (QCoro's sleepFor destroys its QTimer from inside the timer's event), so nothing of it is read
/// afterwards. Its objectName is not taken at all: QObject::objectName() costs ~47 instructions
/// (a quarter of the hook, measured with callgrind) on every dispatch, for a field only slow
/// ones would show.
class DispatchScope {
public:
    DispatchScope(QObject* receiver, QEvent* event) noexcept
        : m_thread(InstrumentedThread::current()) {
        if (m_thread) [[likely]]
            begin(*m_thread, receiver, event);
    }
    ~DispatchScope() {
        if (m_thread) [[likely]]
            end(*m_thread);
    }
    DispatchScope(const DispatchScope&) = delete;
    DispatchScope& operator=(const DispatchScope&) = delete;

private:
    static void begin(InstrumentedThread& t, QObject* receiver, QEvent* event) noexcept {
        const Clock::Ticks now = Clock::now();
        t.endIdle(now);
        if (t.depth++ != 0)
            return;
        t.dispatchStart = now;
        t.nestedIdle = 0;
        t.dominantTask = 0;
        t.dominantTicks = 0;
        t.scriptLocation = nullptr;
        t.published.dispatchSeq.store(++t.dispatchSeq, std::memory_order_relaxed);
        // Stored once, where the watchdog reads them; the slow path reads them back (own writes).
        // className() only when slow: the metaObject pointer is enough here.
        t.published.receiverMeta.store(receiver ? receiver->metaObject() : nullptr,
                                       std::memory_order_relaxed);
        t.published.eventType.store(event ? int(event->type()) : 0, std::memory_order_relaxed);
        t.published.dispatchStart.store(now, std::memory_order_relaxed);
    }

    static void end(InstrumentedThread& t) noexcept {
        if (--t.depth != 0)
            return;
        const Clock::Ticks now = Clock::now();
        t.published.dispatchStart.store(0, std::memory_order_relaxed);
        const Clock::Ticks busy = now - t.dispatchStart - t.nestedIdle;
        if (busy >= t.slowThreshold.load(std::memory_order_relaxed) ||
            t.published.capturedSeq.load(std::memory_order_relaxed) == t.dispatchSeq) [[unlikely]]
            emitSlowCallback(t, now, busy);
    }

    static void emitSlowCallback(InstrumentedThread& t, Clock::Ticks now, Clock::Ticks busy) noexcept;

    InstrumentedThread* m_thread;
};

} // namespace coroscope
