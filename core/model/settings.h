#pragma once

#include <chrono>
#include <cstddef>

namespace coroscope {

/// Thresholds and limits of one profiling run. Defaults follow asyncio's debug mode where it has
/// an equivalent (slow_callback_duration = 100 ms).
struct Settings {
    std::chrono::nanoseconds slowCallbackThreshold = std::chrono::milliseconds(100);
    std::chrono::nanoseconds stuckTaskThreshold = std::chrono::seconds(10);
    std::chrono::milliseconds lagProbeInterval{10};
    std::chrono::milliseconds memorySampleInterval{100};
    std::chrono::milliseconds watchdogPollInterval{10};
    std::chrono::milliseconds collectorInterval{5};
    /// memory-growth: a task whose live heap grew by this much over growthWindow (and kept it),
    /// like the seeds' MemoryMonitor 10 MB warning.
    std::int64_t memoryGrowthBytes = std::int64_t(10) << 20;
    std::chrono::milliseconds memoryGrowthWindow{2000};
    /// spawn-site-growing: a spawn site with this many more live tasks across the window, more at
    /// each of its checkpoints than at the one before.
    std::uint64_t spawnSiteGrowthTasks = 100;
    std::chrono::milliseconds spawnSiteGrowthWindow{10'000};
    /// Records the loop thread can queue before the collector catches up; beyond it they are
    /// dropped and counted, never waited for.
    std::size_t loopChannelCapacity = std::size_t(1) << 16;
    /// Finished tasks kept in memory with their details; older ones are evicted (counts stay exact).
    std::size_t maxRetainedFinishedTasks = 1'000'000;
    std::size_t maxSlowCallbacks = 10'000;
    std::size_t maxDiagnosticsPerRule = 1'000;
    std::size_t maxMemorySamples = 100'000;
    /// CPU profile of the loop thread: one stack per this much of its CPU time (0: off).
    std::chrono::microseconds cpuSampleInterval{1000};
    /// Calling-context tree nodes the CPU profile may hold (~100 bytes each in memory, ~30 in the
    /// session file); see CallingContextTree for what happens beyond.
    std::size_t maxCpuProfileNodes = 200'000;
};

} // namespace coroscope
