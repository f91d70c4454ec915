#pragma once

#include "memory/memoryprobe.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>

namespace coroscope {

/// What MemorySampler::latest() returns: the last sample and what the sampler derived from it.
struct MemorySnapshot {
    /// Last sample; all zero before the first one.
    MemorySample sample;
    /// Growth rates, least-squares over the growth window.
    double rssBytesPerSecond = 0.0;
    double heapBytesPerSecond = 0.0;
    /// Highest sampled RSS of this run (a spike between two samples is missed).
    std::int64_t peakRssBytes = 0;
    /// Time covered by the RSS growth estimate; a short span gives a noisy rate.
    std::int64_t growthSpanNanos = 0;
    /// Samples taken since start().
    std::int64_t sampleCount = 0;
    /// When sample.heapBytes was read: older than sample.tNanos while heap reads are throttled.
    std::int64_t heapTNanos = 0;
    /// What the last heap read cost (mallinfo2 holds the arena locks meanwhile).
    std::int64_t heapReadNanos = 0;
    /// Heap reads since start(); fewer than sampleCount while throttled.
    std::int64_t heapReadCount = 0;
};

/// Samples the process's memory at a fixed interval on a thread of its own.
///
/// The measured program never pays for sampling: probing, growth estimation and the callback
/// all run on the sampler thread, and the caller only ever takes a mutex long enough to copy a
/// MemorySnapshot. The wait between samples is a condition variable, so stop() and
/// setInterval() take effect at once rather than after the current interval.
///
/// Heap reads are throttled by their cost: mallinfo2() holds each arena's lock while it walks
/// the free chunks, which on a fragmented heap takes milliseconds and stalls the program's
/// malloc (measured: 500 k free chunks, 57 ms per read, the program's malloc throughput a
/// third of normal at a 100 ms interval). A read that took d is not repeated before 100 × d
/// has passed, so the locks are held at most ~1 % of the time; in between, samples carry the
/// last heap value. On an ordinary heap a read costs ~0.2 µs and every sample reads it.
///
/// start(), stop() and setCallback() belong to the owning thread; setInterval(), interval()
/// and latest() may be called from any thread.
class MemorySampler {
public:
    /// Called on the sampler thread after each sample, outside any lock. It delays the next
    /// sample while it runs (the schedule is one interval after the previous sample *started*,
    /// so a callback slower than the interval makes samples back to back). Must not throw:
    /// as on any std::thread, an escaping exception terminates the program. heapBytes is the
    /// last heap read, which is older than tNanos while heap reads are throttled.
    using Callback = std::function<void(const MemorySample&)>;

    static constexpr std::chrono::milliseconds kMinInterval{1};
    /// A heap read that took d is not repeated before kHeapReadSpacing × d (≤ 1 % lock time).
    static constexpr std::int64_t kHeapReadSpacing = 100;

    explicit MemorySampler(std::chrono::milliseconds interval = std::chrono::milliseconds(100),
                           std::chrono::nanoseconds growthWindow = std::chrono::seconds(10));
    ~MemorySampler();

    MemorySampler(const MemorySampler&) = delete;
    MemorySampler& operator=(const MemorySampler&) = delete;

    /// Sets the per-sample callback; a running sampler keeps the one it started with until
    /// the next start() (the thread owns a copy, so there is no race on it).
    void setCallback(Callback callback);

    /// Changes the interval, also while running: the pending wait is re-planned immediately
    /// to one new interval after the previous sample. Clamped to at least kMinInterval, which
    /// also bounds the growth estimators to window / 1 ms points.
    void setInterval(std::chrono::milliseconds interval);
    std::chrono::milliseconds interval() const;

    /// Starts sampling (first sample immediately). Each run starts with fresh growth
    /// estimates, peak and count. No-op if already running.
    void start();

    /// Stops and joins the sampler thread without waiting for the current interval to end.
    /// latest() keeps the last run's values. No-op if not running.
    void stop();

    bool isRunning() const { return m_thread.joinable(); }

    /// Thread-safe copy of the latest sample and derived values.
    MemorySnapshot latest() const;

private:
    void run(std::stop_token stop, Callback callback);

    const std::chrono::nanoseconds m_growthWindow;
    MemoryProbe m_probe; // only used by the sampler thread while running
    Callback m_callback; // owner thread only; copied into the thread at start()

    mutable std::mutex m_mutex;
    std::condition_variable_any m_wake; // setInterval() and stop() wake the sleeping sampler
    std::chrono::milliseconds m_interval;
    std::uint64_t m_intervalGeneration = 0; // bumped by setInterval() so the wait can tell
    MemorySnapshot m_latest;

    std::jthread m_thread; // last: must not outlive the members run() uses
};

} // namespace coroscope
