#pragma once

// bench/overhead's workloads, shared by its children (overhead.cpp) and its parent
// (overheadparent.cpp), which measures them in pairs and prints the figures.
#include <cstddef>
#include <cstdint>

namespace coroscope::bench::overhead {

// Switch workload: the asyncio comparison of docs/platform-facts.md (1 000 tasks x 200 sleep(0)).
constexpr int kSwitchTasks = 1'000;
constexpr int kSwitchesPerTask = 200;
constexpr std::int64_t kSwitches = std::int64_t(kSwitchTasks) * kSwitchesPerTask;

// Dispatch workload: half posted events, half zero-timer callbacks. Many short chains keep the
// queues short, so we measure dispatch, not queue growth.
constexpr int kPosters = 1'000;
constexpr int kEventsPerPoster = 500;
constexpr int kChains = 100;
constexpr int kTimersPerChain = 5'000;
constexpr std::int64_t kDispatches =
    std::int64_t(kPosters) * kEventsPerPoster + std::int64_t(kChains) * kTimersPerChain;

// CPU-bound workload: tasks alternate ~0.2 ms of arithmetic with an await (~1 s in all here), for
// the cost of the CPU profile's sampling where there is CPU to sample.
constexpr int kCrunchTasks = 100;
constexpr int kCrunchRounds = 50;
constexpr std::size_t kCrunchBytes = 256 * 1024;

// Pairs per variant; `overhead --repetitions N` changes it. This machine's speed for memory-bound
// code wanders by up to ~1.7x from second to second (a pure ALU loop stays constant), so more
// repetitions give minima that agree better from one invocation to the next.
inline int g_repetitions = 21;

/// Runs every child variant in pairs and prints the figures; the exit code of the benchmark.
int runParent();

} // namespace coroscope::bench::overhead
