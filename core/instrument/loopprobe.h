#pragma once

#include "instrument/instrumentedthread.h"

#include <QBasicTimer>
#include <QMetaObject>
#include <QObject>

#include <chrono>

namespace coroscope {

/// Measures how late the loop serves a timer (lag, like Node's monitorEventLoopDelay) and how
/// much of the time the loop is busy, using the dispatcher's aboutToBlock/awake signals.
///
/// Lives on the instrumented thread. Every `interval` it emits one LoopTick record carrying the
/// lag of that tick and the idle time accumulated since the previous tick; the collector turns
/// them into the lag histogram and per-second utilization.
class LoopProbe : public QObject {
    Q_OBJECT
public:
    LoopProbe(InstrumentedThread& thread, std::chrono::milliseconds interval = std::chrono::milliseconds(10));
    ~LoopProbe() override;

    void start();
    void stop();
    std::chrono::milliseconds interval() const { return m_interval; }

protected:
    void timerEvent(QTimerEvent* event) override;

private:
    void schedule(Clock::Ticks now);

    InstrumentedThread& m_thread;
    std::chrono::milliseconds m_interval;
    QBasicTimer m_timer;
    Clock::Ticks m_expected = 0;
    Clock::Ticks m_idleReported = 0;
    QMetaObject::Connection m_aboutToBlock;
    QMetaObject::Connection m_awake;
};

} // namespace coroscope
