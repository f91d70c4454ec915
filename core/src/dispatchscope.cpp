#include "dispatchscope.h"

namespace coroscope {

void DispatchScope::emitSlowCallback(InstrumentedThread& t, Clock::Ticks now, Clock::Ticks busy) noexcept {
    Record r;
    r.kind = RecordKind::SlowCallback;
    r.a = t.dispatchSeq;
    r.t0 = t.dispatchStart;
    r.t1 = now;
    r.c = std::int64_t(busy);
    // Below the threshold: the watchdog saw it while a nested loop slept in it; retract.
    r.state = busy < t.slowThreshold.load(std::memory_order_relaxed) ? 1 : 0;
    r.b = std::uint64_t(t.published.eventType.load(std::memory_order_relaxed));
    r.task = t.dominantTask;
    const QMetaObject* meta = t.published.receiverMeta.load(std::memory_order_relaxed);
    r.label = meta ? meta->className() : nullptr;
    if (t.scriptLocation)
        r.setText(QString::fromUtf8(t.scriptLocation)); // the script line that blocked
    t.send(std::move(r));
}

} // namespace coroscope
