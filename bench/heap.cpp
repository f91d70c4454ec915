// bench/heap: what the malloc interposer (linked into `coroscope`) adds to the program it
// measures. One process, three variants of the same allocation pattern run back to back in each
// repetition (order rotating), the headline being the median of per-repetition ratios:
//   libc       glibc's __libc_malloc/__libc_free called directly (what an untracked program pays)
//   untracked  malloc/free through the interposer, no account current (code outside any task)
//   tracked    malloc/free through the interposer, charged to a task's account
// The pattern: 1 024 live slots, each step frees one slot's block and allocates a new one of a
// size cycling from 16 B to 4 KiB, like a loop that builds and drops strings and lists.
// Timings are printed, never asserted.
#include "benchsupport.h"
#include "instrument/heapaccount.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

extern "C" {
void* __libc_malloc(size_t size) noexcept;
void __libc_free(void* ptr) noexcept;
}

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::size_t kSlots = 1024;
constexpr int kSteps = 2'000'000;
constexpr int kRepetitions = 21;
constexpr std::array<std::size_t, 8> kSizes{16, 24, 48, 100, 256, 640, 1500, 4096};

struct Libc {
    static void* allocate(std::size_t n) { return __libc_malloc(n); }
    static void release(void* p) { __libc_free(p); }
};
struct Interposed {
    static void* allocate(std::size_t n) { return std::malloc(n); }
    static void release(void* p) { std::free(p); }
};

/// ns per malloc+free pair.
template <typename Allocator>
double churn() {
    std::array<void*, kSlots> slots{};
    for (std::size_t i = 0; i < kSlots; ++i)
        slots[i] = Allocator::allocate(kSizes[i % kSizes.size()]);
    const auto start = SteadyClock::now();
    for (int step = 0; step < kSteps; ++step) {
        const std::size_t slot = (std::size_t(step) * 7919) % kSlots;
        Allocator::release(slots[slot]);
        void* p = Allocator::allocate(kSizes[std::size_t(step) % kSizes.size()]);
        static_cast<volatile char*>(p)[0] = char(step); // used, so the pair cannot be elided
        slots[slot] = p;
    }
    const double ns =
        double(std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start).count());
    for (void* p : slots)
        Allocator::release(p);
    return ns / kSteps;
}

} // namespace

int main() {
    using coroscope::bench::median;
    if (!coroscope::heap::interposed()) {
        std::fprintf(stderr, "heap: the malloc interposer is not linked in\n");
        return 1;
    }
    coroscope::heap::Account* account = coroscope::heap::newAccount();
    std::vector<double> libc, untracked, tracked;
    for (int rep = -1; rep < kRepetitions; ++rep) { // rep -1 warms the arenas, not counted
        std::array<int, 3> order{0, 1, 2};
        std::rotate(order.begin(), order.begin() + (rep + 3) % 3, order.end());
        double ns[3] = {};
        for (const int variant : order) {
            coroscope::heap::t_current = variant == 2 ? account : nullptr;
            ns[variant] = variant == 0 ? churn<Libc>() : churn<Interposed>();
            coroscope::heap::t_current = nullptr;
        }
        if (rep < 0)
            continue;
        libc.push_back(ns[0]);
        untracked.push_back(ns[1]);
        tracked.push_back(ns[2]);
    }
    std::vector<double> trackedRatio, untrackedRatio, extra;
    for (std::size_t i = 0; i < libc.size(); ++i) {
        trackedRatio.push_back(tracked[i] / libc[i]);
        untrackedRatio.push_back(untracked[i] / libc[i]);
        extra.push_back(tracked[i] - libc[i]);
    }
    std::printf("heap_pair_ns_libc: %.1f\n", median(libc));
    std::printf("heap_pair_ns_untracked: %.1f\n", median(untracked));
    std::printf("heap_pair_ns_tracked: %.1f\n", median(tracked));
    std::printf("heap_untracked_ratio: %.3f\n", median(untrackedRatio));
    std::printf("heap_tracked_ratio: %.3f\n", median(trackedRatio));
    std::printf("heap_tracked_extra_ns_per_pair: %.1f\n", median(extra));
    const auto totals = account->totals();
    std::printf("check: %s (tracked account: %lld bytes allocated, %lld live after freeing all)\n",
                totals.allocated > 0 && totals.live == 0 ? "ok" : "FAILED",
                static_cast<long long>(totals.allocated), static_cast<long long>(totals.live));
    return totals.allocated > 0 && totals.live == 0 ? 0 : 1;
}
