#include "memory/memoryprobe.h"
#include "memory/memorysampler.h"
#include "model/growthestimator.h"

#include <QTest>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

using namespace coroscope;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kMiB = 1024 * 1024;
constexpr std::int64_t kSecond = 1'000'000'000;

// A malloc'd block, written to so its pages are resident. The asm barrier makes the pointer
// escape: otherwise -O2 may drop a malloc/memset/free whose memory is never read.
class TouchedBlock {
public:
    explicit TouchedBlock(std::size_t bytes)
        : m_data(static_cast<char*>(std::malloc(bytes))) {
        if (m_data) {
            std::memset(m_data, 0x5a, bytes);
            asm volatile("" : : "g"(m_data) : "memory");
        }
    }
    ~TouchedBlock() { std::free(m_data); }
    TouchedBlock(TouchedBlock&& other) noexcept
        : m_data(std::exchange(other.m_data, nullptr)) {}
    TouchedBlock(const TouchedBlock&) = delete;
    TouchedBlock& operator=(const TouchedBlock&) = delete;
    TouchedBlock& operator=(TouchedBlock&&) = delete;

    bool isValid() const { return m_data != nullptr; }

private:
    char* m_data;
};

// Sanitizers (the asan preset) and preloaded allocators replace glibc's malloc; mallinfo2()
// then knows nothing and the probe reports the heap as unknown (-1).
bool glibcHeap() {
    return MemoryProbe::heapBytes() >= 0;
}

QByteArray mib(double bytes) {
    return QByteArray::number(bytes / double(kMiB), 'f', 2) + " MiB";
}

} // namespace

class TestMemorySampler : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void probeReadsPositiveValues() {
        MemoryProbe probe;
        QVERIFY(probe.hasRss());
        const MemorySample s = probe.sample();
        QVERIFY(s.rssBytes > 0);
        QVERIFY(s.tNanos > 0);
        if (!glibcHeap())
            QSKIP("glibc malloc replaced: heap unknown");
        QVERIFY(s.heapBytes > 0);
    }

    void probeSeesAllocationAndFree() {
        MemoryProbe probe;
        const MemorySample before = probe.sample();
        MemorySample during;
        {
            TouchedBlock block(std::size_t(64 * kMiB));
            QVERIFY(block.isValid());
            during = probe.sample();
        }
        const MemorySample after = probe.sample();

        const std::int64_t rssGrowth = during.rssBytes - before.rssBytes;
        const std::int64_t heapGrowth = during.heapBytes - before.heapBytes;
        QVERIFY2(rssGrowth >= 60 * kMiB, QByteArray("RSS grew by " + mib(rssGrowth)).constData());
        if (!glibcHeap())
            QSKIP("glibc malloc replaced: heap unknown");
        QVERIFY2(heapGrowth >= 64 * kMiB, QByteArray("heap grew by " + mib(heapGrowth)).constData());
        const std::int64_t heapDelta = std::abs(after.heapBytes - before.heapBytes);
        QVERIFY2(heapDelta <= kMiB, QByteArray("heap after free differs by " + mib(heapDelta)).constData());
    }

    void estimatorNeedsTwoPoints() {
        GrowthEstimator e;
        QCOMPARE(e.bytesPerSecond(), 0.0);
        e.add(5 * kSecond, 1000);
        QCOMPARE(e.bytesPerSecond(), 0.0);
        e.add(5 * kSecond, 2000); // same timestamp: no slope to speak of
        QCOMPARE(e.bytesPerSecond(), 0.0);
    }

    void estimatorFitsPerfectLine() {
        // An hour into the process with ~4 GB in use, as in a real session: large offsets must
        // not cost precision.
        GrowthEstimator e;
        const std::int64_t t0 = 3600 * kSecond;
        const std::int64_t b0 = 4'000'000'000;
        for (int i = 0; i <= 100; ++i) {
            const std::int64_t dt = std::int64_t(i) * 100'000'000; // every 100 ms
            e.add(t0 + dt, b0 + dt / 1000);                        // 1 MB/s
        }
        const double slope = e.bytesPerSecond();
        QVERIFY2(std::abs(slope - 1e6) <= 1e3, QByteArray::number(slope).constData());
    }

    void estimatorIgnoresNoiseAroundFlatLine() {
        GrowthEstimator e;
        std::mt19937 rng(42);
        std::uniform_int_distribution<std::int64_t> noise(-1'000'000, 1'000'000); // ±1 MB
        for (int i = 0; i <= 100; ++i)
            e.add(std::int64_t(i) * 100'000'000, 200'000'000 + noise(rng));
        // Expected spread of the slope is ~20 kB/s for this noise; 1 MB/s would be real growth.
        const double slope = e.bytesPerSecond();
        QVERIFY2(std::abs(slope) < 100'000, QByteArray::number(slope).constData());
    }

    void estimatorDropsPointsOutsideWindow() {
        GrowthEstimator e(10s);
        // A steep old segment (100 MB/s for 5 s) then a flat recent one for 15 s: once the
        // steep part is more than 10 s old it must not pull the slope up.
        std::int64_t bytes = 100'000'000;
        std::int64_t t = 0;
        for (; t < 5 * kSecond; t += 100'000'000) {
            e.add(t, bytes);
            bytes += 10'000'000;
        }
        QVERIFY(e.bytesPerSecond() > 50e6);
        for (; t <= 20 * kSecond; t += 100'000'000)
            e.add(t, bytes);
        QVERIFY2(std::abs(e.bytesPerSecond()) < 1.0, QByteArray::number(e.bytesPerSecond()).constData());
        QCOMPARE(e.spanNanos(), 10 * kSecond);
        QCOMPARE(e.size(), std::size_t(101)); // bounded: one window's worth of points
    }

    void samplerTracksGrowingAllocation() {
        std::mutex mutex;
        std::vector<MemorySample> samples;
        samples.reserve(1000);

        MemorySampler sampler(20ms);
        sampler.setCallback([&](const MemorySample& s) {
            std::lock_guard lock(mutex);
            samples.push_back(s);
        });

        std::vector<TouchedBlock> blocks;
        blocks.reserve(16);
        sampler.start();
        QVERIFY(sampler.isRunning());
        const auto begin = std::chrono::steady_clock::now();
        for (int i = 0; i < 10; ++i) {
            blocks.emplace_back(std::size_t(8 * kMiB));
            QVERIFY(blocks.back().isValid());
            std::this_thread::sleep_for(30ms);
        }
        const double elapsedSeconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
        sampler.stop();
        QVERIFY(!sampler.isRunning());

        const double allocationRate = double(blocks.size() * 8 * kMiB) / elapsedSeconds;
        const MemorySnapshot latest = sampler.latest();
        std::lock_guard lock(mutex);
        QVERIFY2(samples.size() >= 8, QByteArray::number(qsizetype(samples.size())).constData());
        QCOMPARE(latest.sampleCount, std::int64_t(samples.size()));
        for (std::size_t i = 1; i < samples.size(); ++i)
            QVERIFY(samples[i].tNanos > samples[i - 1].tNanos);
        QCOMPARE(latest.sample.tNanos, samples.back().tNanos);
        QVERIFY(latest.peakRssBytes >= samples.front().rssBytes + 60 * kMiB);

        const QByteArray rates = "rss " + mib(latest.rssBytesPerSecond) + "/s, heap " +
                                 mib(latest.heapBytesPerSecond) + "/s, allocated " + mib(allocationRate) +
                                 "/s";
        qInfo("%s", rates.constData());
        QVERIFY2(latest.rssBytesPerSecond > allocationRate / 2, rates.constData());
        QVERIFY2(latest.rssBytesPerSecond < allocationRate * 2, rates.constData());
        if (!glibcHeap())
            QSKIP("glibc malloc replaced: heap unknown");
        QVERIFY2(latest.heapBytesPerSecond > allocationRate / 2, rates.constData());
        QVERIFY2(latest.heapBytesPerSecond < allocationRate * 2, rates.constData());
    }

    // Guards the condition-variable wait: a plain sleep would make stop() take the interval.
    void stopDoesNotWaitForInterval() {
        MemorySampler sampler(10s);
        sampler.start();
        QTRY_COMPARE_WITH_TIMEOUT(sampler.latest().sampleCount, std::int64_t(1), 2000);
        std::this_thread::sleep_for(20ms); // let the thread settle into its 10 s wait
        const auto begin = std::chrono::steady_clock::now();
        sampler.stop();
        const auto took = std::chrono::steady_clock::now() - begin;
        QVERIFY2(took < 100ms, QByteArray::number(qint64((took / 1us))).append(" us").constData());
        QCOMPARE(sampler.latest().sampleCount, std::int64_t(1)); // kept after stop
    }

    void destructorStopsPromptly() {
        const auto begin = std::chrono::steady_clock::now();
        {
            MemorySampler sampler(10s);
            sampler.start();
            std::this_thread::sleep_for(20ms);
        }
        QVERIFY(std::chrono::steady_clock::now() - begin < 1s);
    }

    void intervalChangeTakesEffectWhileRunning() {
        MemorySampler sampler(10s);
        sampler.start();
        std::this_thread::sleep_for(100ms);
        QCOMPARE(sampler.latest().sampleCount, std::int64_t(1)); // first sample only

        // Shorter: the pending 10 s wait is re-planned instead of running out.
        sampler.setInterval(20ms);
        QCOMPARE(sampler.interval(), 20ms);
        std::this_thread::sleep_for(200ms);
        const std::int64_t afterFast = sampler.latest().sampleCount;
        QVERIFY2(afterFast >= 5, QByteArray::number(afterFast).constData());

        // Longer again: sampling all but stops.
        sampler.setInterval(10s);
        std::this_thread::sleep_for(50ms);
        const std::int64_t settled = sampler.latest().sampleCount;
        std::this_thread::sleep_for(200ms);
        QCOMPARE(sampler.latest().sampleCount, settled);
        sampler.stop();
    }

    // Guards the heap-read throttle: mallinfo2 walks free chunks under the arena locks, so on
    // a fragmented heap reading it at every sample would stall the program's malloc.
    void heapReadsThrottledOnFragmentedHeap() {
        // 200 k chunks of mixed sizes, every other one freed: ~100 k free chunks that cannot
        // coalesce (a few ms per mallinfo2 here, against ~0.2 µs on a tidy heap).
        std::vector<void*> chunks(200'000);
        for (std::size_t i = 0; i < chunks.size(); ++i)
            chunks[i] = std::malloc(200 + i % 300);
        for (std::size_t i = 0; i < chunks.size(); i += 2) {
            std::free(chunks[i]);
            chunks[i] = nullptr;
        }

        MemorySampler sampler(5ms);
        sampler.start();
        std::this_thread::sleep_for(300ms);
        sampler.stop();
        const MemorySnapshot latest = sampler.latest();
        for (void* chunk : chunks)
            std::free(chunk);

        const QByteArray counts = QByteArray::number(latest.heapReadCount) + " heap reads of " +
                                  QByteArray::number(latest.sampleCount) + " samples, last read took " +
                                  QByteArray::number(latest.heapReadNanos) + " ns";
        qInfo("%s", counts.constData());
        QVERIFY2(latest.sampleCount >= 10, counts.constData());
        QVERIFY2(latest.heapReadCount >= 1, counts.constData());
        if (!glibcHeap())
            QSKIP("glibc malloc replaced: nothing to throttle");
        QVERIFY(latest.sample.heapBytes > 0);
        QVERIFY(latest.heapTNanos > 0 && latest.heapTNanos <= latest.sample.tNanos);
        if (latest.heapReadNanos >= 100'000) // ≥ 0.1 ms: reads must be spaced ≥ 10 ms apart
            QVERIFY2(latest.heapReadCount <= latest.sampleCount / 2, counts.constData());
        else
            QSKIP("mallinfo2 was too fast on this heap to exercise the throttle");
    }

    void heapReadEverySampleOnTidyHeap() {
        // 40 ms apart: a read is skipped only after one that took 0.4 ms (100x spacing). At 5 ms a
        // read preempted for 50 µs on a loaded machine (parallel ctest) skipped the next sample.
        MemorySampler sampler(40ms);
        sampler.start();
        QTRY_VERIFY_WITH_TIMEOUT(sampler.latest().sampleCount >= 10, 5000);
        sampler.stop();
        const MemorySnapshot latest = sampler.latest();
        QCOMPARE(latest.heapReadCount, latest.sampleCount);
        QCOMPARE(latest.heapTNanos, latest.sample.tNanos);
    }

    void restartBeginsFreshRun() {
        MemorySampler sampler(10ms);
        sampler.start();
        QTRY_VERIFY_WITH_TIMEOUT(sampler.latest().sampleCount >= 3, 2000);
        sampler.stop();
        sampler.setInterval(10s);
        sampler.start();
        QTRY_COMPARE_WITH_TIMEOUT(sampler.latest().sampleCount, std::int64_t(1), 2000);
        sampler.stop();
    }
};

QTEST_GUILESS_MAIN(TestMemorySampler)
#include "test_memorysampler.moc"
