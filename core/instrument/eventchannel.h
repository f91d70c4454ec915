#pragma once

#include "instrument/record.h"
#include "instrument/spscring.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace coroscope {

/// One producer thread's path to the Collector: a bounded ring plus drop counters.
/// Owned by the Collector; each producing thread (loop, watchdog, sampler) gets its own.
class EventChannel {
public:
    EventChannel(std::string name, std::size_t capacity);

    const std::string& name() const noexcept { return m_name; }

    /// Producer thread only. Never blocks: a full ring drops the record and counts it.
    void push(Record&& record) noexcept {
        const auto kind = std::size_t(record.kind());
        if (!m_ring.tryPush(std::move(record))) [[unlikely]]
            m_dropped[kind].fetch_add(1, std::memory_order_relaxed);
    }

    template <typename Fn>
    std::size_t drain(Fn&& fn, std::size_t max = SIZE_MAX) {
        return m_ring.drain(std::forward<Fn>(fn), max);
    }

    std::uint64_t dropped(RecordKind kind) const noexcept {
        return m_dropped[std::size_t(kind)].load(std::memory_order_relaxed);
    }
    std::uint64_t droppedTotal() const noexcept;
    std::size_t capacity() const noexcept { return m_ring.capacity(); }
    std::size_t queued() const noexcept { return m_ring.size(); }

    static constexpr std::size_t kKinds = std::size_t(RecordKind::Allocation) + 1;

private:
    std::string m_name;
    SpscRing<Record> m_ring;
    std::array<std::atomic<std::uint64_t>, kKinds> m_dropped{};
};

} // namespace coroscope
