#pragma once

#include <atomic>
#include <cstdint>

/// Per-task heap accounting. When the `coroscope` executable links the malloc interposer
/// (heapinterposer.cpp), every malloc/calloc/realloc/aligned allocation of the process is charged
/// to the account current on the allocating thread, which is the account of the traced task whose
/// segment runs there; free() credits the account that paid for the block, on whatever thread.
/// Without the interposer (tests, the ASan build), interposed() is false and no accounts exist.
namespace coroscope::heap {

/// Bytes charged to one task. Never freed (blocks outlive their task and still point here), so
/// accounts come from an mmap arena, 16 bytes each.
struct Account {
    /// Written only by the thread running the task (a task runs on one thread at a time): a plain
    /// load+store, no locked instruction on the malloc path.
    std::atomic<std::uint64_t> allocated{0};
    /// Written by free() on any thread.
    std::atomic<std::uint64_t> freed{0};

    void charge(std::uint64_t bytes) noexcept {
        allocated.store(allocated.load(std::memory_order_relaxed) + bytes, std::memory_order_relaxed);
    }
    void credit(std::uint64_t bytes) noexcept { freed.fetch_add(bytes, std::memory_order_relaxed); }

    /// Read from another thread. Relaxed loads give no order between the two counters, so `live`
    /// can be off by the blocks allocated or freed meanwhile; clamped at 0, never negative.
    struct Totals {
        std::int64_t allocated = 0;
        std::int64_t live = 0;
    };
    Totals totals() const noexcept {
        const std::uint64_t f = freed.load(std::memory_order_relaxed);
        const std::uint64_t a = allocated.load(std::memory_order_relaxed);
        return {std::int64_t(a), a > f ? std::int64_t(a - f) : 0};
    }
};
static_assert(sizeof(Account) == 16);

/// The account allocations on this thread are charged to (nullptr: nobody's). Constant-initialized
/// so malloc reads it with one fs-relative load, even before any constructor has run.
extern constinit thread_local Account* t_current;

/// True when the malloc interposer is linked into this process.
bool interposed() noexcept;
/// Called by the interposer's static constructor.
void markInterposed() noexcept;
/// The interposer stopped tagging new blocks (heapinterposer.h): no task can be charged.
void unmarkInterposed() noexcept;

/// A fresh zeroed account (from this thread's arena chunk), or nullptr if not interposed.
Account* newAccount() noexcept;

} // namespace coroscope::heap
