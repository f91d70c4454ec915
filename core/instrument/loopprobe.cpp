#include "instrument/loopprobe.h"

#include <QAbstractEventDispatcher>
#include <QTimerEvent>

namespace coroscope {

LoopProbe::LoopProbe(InstrumentedThread& thread, std::chrono::milliseconds interval)
    : m_thread(thread)
    , m_interval(interval) {}

LoopProbe::~LoopProbe() {
    stop();
}

void LoopProbe::start() {
    QAbstractEventDispatcher* dispatcher = QAbstractEventDispatcher::instance(thread());
    if (!dispatcher)
        return;
    InstrumentedThread* t = &m_thread;
    // Idle = from aboutToBlock to the first of awake and the next dispatch (awake comes only
    // after timers and posted events were dispatched; see docs/platform-facts.md).
    m_aboutToBlock = connect(
        dispatcher, &QAbstractEventDispatcher::aboutToBlock, this, [t] { t->beginIdle(Clock::now()); },
        Qt::DirectConnection);
    m_awake = connect(
        dispatcher, &QAbstractEventDispatcher::awake, this, [t] { t->endIdle(Clock::now()); },
        Qt::DirectConnection);
    m_idleReported = m_thread.idleAccumulated;
    schedule(Clock::now());
}

void LoopProbe::stop() {
    m_timer.stop();
    m_thread.published.probeDue.store(0, std::memory_order_relaxed);
    disconnect(m_aboutToBlock);
    disconnect(m_awake);
}

void LoopProbe::schedule(Clock::Ticks now) {
    m_expected = now + Clock::fromDuration(m_interval);
    m_thread.published.probeDue.store(m_expected, std::memory_order_relaxed);
    m_timer.start(int(m_interval.count()), Qt::PreciseTimer, this);
}

void LoopProbe::timerEvent(QTimerEvent* event) {
    if (event->timerId() != m_timer.timerId()) {
        QObject::timerEvent(event);
        return;
    }
    const Clock::Ticks now = Clock::now();
    const std::int64_t lagNanos = now > m_expected ? Clock::toNanos(now - m_expected) : 0;
    m_thread.send(Record::loopTick(now, lagNanos, m_thread.idleAccumulated - m_idleReported));
    m_idleReported = m_thread.idleAccumulated;
    schedule(now);
}

} // namespace coroscope
