#include "instrument/dispatchscope.h"

namespace coroscope {

void DispatchScope::emitSlowCallback(InstrumentedThread& t, Clock::Ticks now, Clock::Ticks busy) noexcept {
    const QMetaObject* meta = t.published.receiverMeta.load(std::memory_order_relaxed);
    // Below the threshold: the watchdog saw it while a nested loop slept in it; retract.
    Record r = Record::slowCallback(t.dispatchSeq, t.dispatchStart, now, busy,
                                    busy < t.slowThreshold.load(std::memory_order_relaxed),
                                    int(t.published.eventType.load(std::memory_order_relaxed)),
                                    t.dominantTask, meta ? meta->className() : nullptr);
    if (t.scriptLocation)
        r.setText(QString::fromUtf8(t.scriptLocation)); // the script line that blocked
    t.send(std::move(r));
}

} // namespace coroscope
