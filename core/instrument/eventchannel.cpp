#include "instrument/eventchannel.h"

namespace coroscope {

EventChannel::EventChannel(std::string name, std::size_t capacity)
    : m_name(std::move(name))
    , m_ring(capacity) {}

std::uint64_t EventChannel::droppedTotal() const noexcept {
    std::uint64_t total = 0;
    for (const auto& d : m_dropped)
        total += d.load(std::memory_order_relaxed);
    return total;
}

} // namespace coroscope
