#include "memory/memorysampler.h"

#include "instrument/clock.h"
#include "model/growthestimator.h"

#include <algorithm>
#include <pthread.h>
#include <utility>

namespace coroscope {

MemorySampler::MemorySampler(std::chrono::milliseconds interval, std::chrono::nanoseconds growthWindow)
    : m_growthWindow(growthWindow)
    , m_interval(std::max(interval, kMinInterval)) {}

MemorySampler::~MemorySampler() {
    stop();
}

void MemorySampler::setCallback(Callback callback) {
    m_callback = std::move(callback);
}

void MemorySampler::setInterval(std::chrono::milliseconds interval) {
    {
        std::lock_guard lock(m_mutex);
        m_interval = std::max(interval, kMinInterval);
        ++m_intervalGeneration;
    }
    m_wake.notify_all();
}

std::chrono::milliseconds MemorySampler::interval() const {
    std::lock_guard lock(m_mutex);
    return m_interval;
}

void MemorySampler::start() {
    if (m_thread.joinable())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_latest = {};
    }
    m_thread = std::jthread([this, callback = m_callback](std::stop_token stop) { run(stop, callback); });
    // Named so it is recognisable in debuggers, perf and our own thread lists (15 chars max).
    pthread_setname_np(m_thread.native_handle(), "coroscope-mem");
}

void MemorySampler::stop() {
    if (!m_thread.joinable())
        return;
    // request_stop() wakes the condition_variable_any wait through its stop_token.
    m_thread.request_stop();
    m_thread.join();
}

MemorySnapshot MemorySampler::latest() const {
    std::lock_guard lock(m_mutex);
    return m_latest;
}

void MemorySampler::run(std::stop_token stop, Callback callback) {
    // The estimators live on this thread only, so they need no lock.
    GrowthEstimator rssGrowth(m_growthWindow);
    GrowthEstimator heapGrowth(m_growthWindow);
    MemorySnapshot snapshot;
    std::int64_t heapBytes = 0;
    std::int64_t nextHeapReadAt = 0; // Clock nanoseconds; see kHeapReadSpacing

    std::unique_lock lock(m_mutex);
    std::uint64_t seenGeneration = m_intervalGeneration;
    while (!stop.stop_requested()) {
        lock.unlock();
        const auto sampledAt = std::chrono::steady_clock::now();
        MemorySample sample;
        sample.tNanos = Clock::nanosNow();
        sample.rssBytes = m_probe.rssBytes();
        rssGrowth.add(sample.tNanos, sample.rssBytes);
        if (sample.tNanos >= nextHeapReadAt) {
            const std::int64_t readStart = Clock::nanosNow();
            heapBytes = MemoryProbe::heapBytes();
            snapshot.heapReadNanos = Clock::nanosNow() - readStart;
            snapshot.heapTNanos = sample.tNanos;
            ++snapshot.heapReadCount;
            nextHeapReadAt = readStart + snapshot.heapReadNanos * kHeapReadSpacing;
            heapGrowth.add(sample.tNanos, heapBytes);
        }
        sample.heapBytes = heapBytes; // the last read when throttled

        snapshot.sample = sample;
        snapshot.rssBytesPerSecond = rssGrowth.bytesPerSecond();
        snapshot.heapBytesPerSecond = heapGrowth.bytesPerSecond();
        snapshot.peakRssBytes = std::max(snapshot.peakRssBytes, sample.rssBytes);
        snapshot.growthSpanNanos = rssGrowth.spanNanos();
        ++snapshot.sampleCount;
        lock.lock();
        m_latest = snapshot;
        lock.unlock();

        if (callback)
            callback(sample);

        lock.lock();
        // Sleep until one interval after this sample started. A setInterval() wakes us to
        // re-plan with the new interval; a stop request wakes us to leave.
        for (;;) {
            const auto deadline = sampledAt + m_interval;
            const bool intervalChanged = m_wake.wait_until(
                lock, stop, deadline, [&] { return m_intervalGeneration != seenGeneration; });
            if (!intervalChanged)
                break; // deadline reached or stop requested
            seenGeneration = m_intervalGeneration;
        }
    }
}

} // namespace coroscope
