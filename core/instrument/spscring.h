#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

namespace coroscope {

/// Bounded single-producer / single-consumer ring. The producer never waits: when the ring is
/// full, tryPush() fails and the caller counts the drop (instrumentation must never block the
/// loop it measures). Slots are pre-constructed, so pushing a T moves it into place without
/// allocating.
template <typename T>
class SpscRing {
public:
    explicit SpscRing(std::size_t capacity)
        : m_capacity(std::bit_ceil(capacity < 2 ? std::size_t(2) : capacity))
        , m_mask(m_capacity - 1)
        , m_slots(std::make_unique<T[]>(m_capacity)) {}

    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    std::size_t capacity() const noexcept { return m_capacity; }

    /// Producer thread only.
    bool tryPush(T&& value) noexcept {
        const std::size_t head = m_head.load(std::memory_order_relaxed);
        if (head - m_cachedTail >= m_capacity) {
            m_cachedTail = m_tail.load(std::memory_order_acquire);
            if (head - m_cachedTail >= m_capacity)
                return false;
        }
        m_slots[head & m_mask] = std::move(value);
        m_head.store(head + 1, std::memory_order_release);
        return true;
    }

    /// Consumer thread only: hands each available element to `fn` (as an lvalue it may move
    /// from) and returns how many were taken, at most `max`. Slots are not reset: a consumer
    /// that only reads a slot leaves its cache line clean, so the producer's next write to it
    /// needs no write-back from this core.
    template <typename Fn>
    std::size_t drain(Fn&& fn, std::size_t max = SIZE_MAX) {
        const std::size_t tail = m_tail.load(std::memory_order_relaxed);
        const std::size_t head = m_head.load(std::memory_order_acquire);
        std::size_t n = head - tail;
        if (n > max)
            n = max;
        for (std::size_t i = 0; i < n; ++i) {
            fn(m_slots[(tail + i) & m_mask]);
        }
        m_tail.store(tail + n, std::memory_order_release);
        return n;
    }

    /// Approximate number of queued elements (either thread).
    std::size_t size() const noexcept {
        return m_head.load(std::memory_order_acquire) - m_tail.load(std::memory_order_acquire);
    }

private:
    static constexpr std::size_t kLine = 64; // one cache line: producer and consumer indices apart

    const std::size_t m_capacity;
    const std::size_t m_mask;
    std::unique_ptr<T[]> m_slots;
    alignas(kLine) std::atomic<std::size_t> m_head{0};
    std::size_t m_cachedTail = 0; // producer's view of m_tail, refreshed only when the ring looks full
    alignas(kLine) std::atomic<std::size_t> m_tail{0};
};

} // namespace coroscope
