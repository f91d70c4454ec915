#include "instrument/instrumentedthread.h"

namespace coroscope {
namespace detail {
constinit thread_local InstrumentedThread* t_instrumentedThread = nullptr;
} // namespace detail

InstrumentedThread::InstrumentedThread(EventChannel& channel)
    : m_channel(channel) {}

InstrumentedThread::~InstrumentedThread() {
    if (detail::t_instrumentedThread == this)
        detail::t_instrumentedThread = nullptr;
}

void InstrumentedThread::install(InstrumentedThread* state) noexcept {
    detail::t_instrumentedThread = state;
}

} // namespace coroscope
