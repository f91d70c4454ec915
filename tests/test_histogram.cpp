#include "model/histogram.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

using coroscope::Histogram;

namespace {

enum class Distribution { Uniform, LogUniform, Exponential, Bimodal, Constant, OneValue, TwoValues };

// Percentiles in hundredths of a percent, so the reference rank is integer arithmetic and does
// not share the floating-point rounding of Histogram::percentile().
constexpr int kPercentilesTimes100[] = {0, 100, 1000, 5000, 9000, 9500, 9900, 9990, 9999, 10000};

std::vector<std::int64_t> generate(Distribution d) {
    std::mt19937_64 rng(20240611);
    constexpr int n = 200'000;
    std::vector<std::int64_t> values;
    values.reserve(n);
    switch (d) {
    case Distribution::Uniform: {
        std::uniform_int_distribution<std::int64_t> dist(1, 1'000'000);
        for (int i = 0; i < n; ++i)
            values.push_back(dist(rng));
        break;
    }
    case Distribution::LogUniform: {
        std::uniform_real_distribution<double> exponent(0.0, std::log(double(Histogram::kHighestTrackable)));
        for (int i = 0; i < n; ++i) {
            const auto v = std::llround(std::exp(exponent(rng)));
            values.push_back(std::clamp<std::int64_t>(v, 1, Histogram::kHighestTrackable));
        }
        break;
    }
    case Distribution::Exponential: {
        std::exponential_distribution<double> dist(1.0 / 5'000.0); // mean 5 ms
        for (int i = 0; i < n; ++i)
            values.push_back(std::llround(dist(rng)));
        break;
    }
    case Distribution::Bimodal: {
        // A fast path around 200 µs and a slow one around 50 ms, as with a cache in front of I/O.
        std::normal_distribution<double> fast(200.0, 20.0);
        std::normal_distribution<double> slow(50'000.0, 5'000.0);
        std::bernoulli_distribution isSlow(0.1);
        for (int i = 0; i < n; ++i) {
            const double v = isSlow(rng) ? slow(rng) : fast(rng);
            values.push_back(std::max<std::int64_t>(0, std::llround(v)));
        }
        break;
    }
    case Distribution::Constant:
        values.assign(1000, 12'345);
        break;
    case Distribution::OneValue:
        values.push_back(777'777);
        break;
    case Distribution::TwoValues:
        values = {3, 2'000'000'000};
        break;
    }
    return values;
}

// The exact nearest-rank percentile of sorted data: the value at rank ceil(p/100 · n), rank >= 1.
std::int64_t exactPercentile(const std::vector<std::int64_t>& sorted, int pTimes100) {
    const auto n = std::uint64_t(sorted.size());
    const std::uint64_t rank = std::max<std::uint64_t>(1, (std::uint64_t(pTimes100) * n + 9999) / 10000);
    return sorted[rank - 1];
}

Histogram histogramOf(const std::vector<std::int64_t>& values) {
    Histogram h;
    for (const auto v : values)
        h.record(v);
    return h;
}

void comparePercentiles(const Histogram& a, const Histogram& b) {
    for (const int p : kPercentilesTimes100)
        QCOMPARE(a.percentile(p / 100.0), b.percentile(p / 100.0));
    QCOMPARE(a.summary(), b.summary());
}

} // namespace

class TestHistogram : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void accuracy_data();
    void accuracy();
    void nearestRankIsExact();
    void emptyReturnsZeros();
    void exactStatistics();
    void saturatesAboveHighest();
    void negativeClampsToZero();
    void recordWithCount();
    void recordWithZeroCountIsNoOp();
    void mergeEqualsRecordingIntoOne();
    void mergeWithEmpty();
    void reset();
    void bucketRoundTrip();
    void fromBucketsSkipsInvalidIndices();
    void bucketsContainTheirValues();
    void bucketsAreContiguousAndNarrow();
    void memory();
};

void TestHistogram::accuracy_data() {
    QTest::addColumn<int>("distribution");
    QTest::newRow("uniform 1..1e6") << int(Distribution::Uniform);
    QTest::newRow("log-uniform 1..3.6e9") << int(Distribution::LogUniform);
    QTest::newRow("exponential") << int(Distribution::Exponential);
    QTest::newRow("bimodal") << int(Distribution::Bimodal);
    QTest::newRow("constant") << int(Distribution::Constant);
    QTest::newRow("one value") << int(Distribution::OneValue);
    QTest::newRow("two values") << int(Distribution::TwoValues);
}

void TestHistogram::accuracy() {
    QFETCH(int, distribution);
    auto values = generate(Distribution(distribution));
    const Histogram h = histogramOf(values);
    std::sort(values.begin(), values.end());

    for (const int p : kPercentilesTimes100) {
        const std::int64_t exact = exactPercentile(values, p);
        const std::int64_t got = h.percentile(p / 100.0);
        // 0.1 % relative, or one unit where 0.1 % is less than that.
        const double allowed = std::max(1.0, 0.001 * double(exact));
        QVERIFY2(
            std::abs(double(got - exact)) <= allowed,
            qPrintable(QStringLiteral("p%1: histogram %2, exact %3").arg(p / 100.0).arg(got).arg(exact)));
    }
    // The extremes are tracked exactly, not approximated.
    QCOMPARE(h.percentile(0), values.front());
    QCOMPARE(h.percentile(100), values.back());
}

void TestHistogram::nearestRankIsExact() {
    // Guards nearestRank()'s snapping: in doubles 16.1 * 1000 / 100 is 161.00000000000003, and a bare
    // ceil() would report rank 162. Values 1..n sit in exact buckets, so any rank error shows.
    for (const int n : {1000, 1500, 2000}) { // all below 2048, where buckets are one value wide
        std::vector<std::int64_t> values(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i)
            values[std::size_t(i)] = i + 1;
        const Histogram h = histogramOf(values);
        for (int p = 0; p <= 10000; ++p) {
            const std::int64_t exact = exactPercentile(values, p);
            if (h.percentile(p / 100.0) != exact)
                QFAIL(qPrintable(QStringLiteral("n %1, p%2: histogram %3, exact %4")
                                     .arg(n)
                                     .arg(p / 100.0)
                                     .arg(h.percentile(p / 100.0))
                                     .arg(exact)));
        }
    }
}

void TestHistogram::emptyReturnsZeros() {
    const Histogram h;
    QCOMPARE(h.count(), 0u);
    QCOMPARE(h.min(), 0);
    QCOMPARE(h.max(), 0);
    QCOMPARE(h.mean(), 0.0);
    QCOMPARE(h.sum(), 0.0);
    QCOMPARE(h.saturatedCount(), 0u);
    for (const int p : kPercentilesTimes100)
        QCOMPARE(h.percentile(p / 100.0), 0);
    QCOMPARE(h.summary(), coroscope::PercentileSummary{});
    QVERIFY(h.nonZeroBuckets().empty());
}

void TestHistogram::exactStatistics() {
    // Values far from bucket boundaries' lowest values, so an approximated min/max would show.
    const std::vector<std::int64_t> values = {1'000'003, 7, 123'456'789, 2'049, 999'999'999};
    const Histogram h = histogramOf(values);
    QCOMPARE(h.count(), 5u);
    QCOMPARE(h.min(), 7);
    QCOMPARE(h.max(), 999'999'999);
    QCOMPARE(h.sum(), 1'124'458'847.0);
    QCOMPARE(h.mean(), 1'124'458'847.0 / 5);
    QCOMPARE(h.saturatedCount(), 0u);

    // Nearest rank on 5 values: p50 -> rank 3 (the median), p20 -> rank 1, p21 -> rank 2.
    QCOMPARE(h.percentile(20), 7);
    QCOMPARE(h.percentile(21), 2'049);
    QVERIFY(std::abs(h.percentile(50) - 1'000'003) <= 1'000'003 / 1000);

    const auto s = h.summary();
    QCOMPARE(s.count, 5u);
    QCOMPARE(s.min, 7);
    QCOMPARE(s.max, 999'999'999);
    QCOMPARE(s.p50, h.percentile(50));
    QCOMPARE(s.p999, h.percentile(99.9));
}

void TestHistogram::saturatesAboveHighest() {
    Histogram h;
    h.record(Histogram::kHighestTrackable); // exactly the highest: stored, not saturated
    QCOMPARE(h.saturatedCount(), 0u);
    h.record(Histogram::kHighestTrackable + 1);
    h.record(std::numeric_limits<std::int64_t>::max(), 3);
    QCOMPARE(h.count(), 5u);
    QCOMPARE(h.saturatedCount(), 4u);
    QCOMPARE(h.max(), Histogram::kHighestTrackable);
    QCOMPARE(h.min(), Histogram::kHighestTrackable);
    QCOMPARE(h.percentile(50), Histogram::kHighestTrackable);
    QCOMPARE(h.percentile(100), Histogram::kHighestTrackable);
    QCOMPARE(h.sum(), 5.0 * double(Histogram::kHighestTrackable));
}

void TestHistogram::negativeClampsToZero() {
    Histogram h;
    h.record(-5);
    h.record(std::numeric_limits<std::int64_t>::min());
    h.record(10);
    QCOMPARE(h.count(), 3u);
    QCOMPARE(h.min(), 0);
    QCOMPARE(h.max(), 10);
    QCOMPARE(h.sum(), 10.0);
    QCOMPARE(h.saturatedCount(), 0u);
    QCOMPARE(h.percentile(50), 0);
}

void TestHistogram::recordWithCount() {
    Histogram bulk;
    bulk.record(100, 5);
    bulk.record(200'000, 5);
    Histogram single;
    for (int i = 0; i < 5; ++i) {
        single.record(100);
        single.record(200'000);
    }
    QVERIFY(bulk == single);
    QCOMPARE(bulk.count(), 10u);
    QCOMPARE(bulk.mean(), 100'050.0);
    QCOMPARE(bulk.percentile(50), 100);       // rank 5
    QCOMPARE(bulk.percentile(50.1), 200'000); // rank 6

    // Counts beyond 32 bits must not wrap.
    Histogram big;
    const std::uint64_t many = (std::uint64_t(1) << 33) + 7;
    big.record(42, many);
    big.record(42, many);
    QCOMPARE(big.count(), 2 * many);
    QCOMPARE(big.nonZeroBuckets().size(), std::size_t(1));
    QCOMPARE(big.nonZeroBuckets().front().count, 2 * many);
    QCOMPARE(big.mean(), 42.0);
}

void TestHistogram::recordWithZeroCountIsNoOp() {
    // Guards the early return in record(): a zero count must not move min or max.
    Histogram h;
    h.record(500);
    h.record(1, 0);
    h.record(1'000'000, 0);
    QCOMPARE(h.count(), 1u);
    QCOMPARE(h.min(), 500);
    QCOMPARE(h.max(), 500);
    QVERIFY(h == histogramOf({500}));
}

void TestHistogram::mergeEqualsRecordingIntoOne() {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::int64_t> small(0, 5'000);
    std::uniform_int_distribution<std::int64_t> wide(-10, Histogram::kHighestTrackable + 1'000);
    Histogram a, b, all;
    for (int i = 0; i < 50'000; ++i) {
        const auto v = small(rng);
        a.record(v);
        all.record(v);
        const auto w = wide(rng);
        b.record(w, 2);
        all.record(w, 2);
    }
    // The random range hardly reaches past either end, so add both clamped cases explicitly.
    for (const std::int64_t edge : {std::int64_t(-3), Histogram::kHighestTrackable + 1}) {
        b.record(edge, 3);
        all.record(edge, 3);
    }
    QCOMPARE(b.saturatedCount(), 3u);
    a.merge(b);
    QVERIFY(a == all);
    QCOMPARE(a.saturatedCount(), all.saturatedCount());
    comparePercentiles(a, all);
}

void TestHistogram::mergeWithEmpty() {
    const Histogram data = histogramOf({5, 50, 500'000});
    Histogram a = data;
    a.merge(Histogram());
    QVERIFY(a == data);

    // The empty side's min sentinel must not leak into the result, nor its 0 max.
    Histogram b;
    b.merge(data);
    QVERIFY(b == data);
    QCOMPARE(b.min(), 5);
}

void TestHistogram::reset() {
    Histogram h = histogramOf({1, 2, Histogram::kHighestTrackable + 5});
    h.reset();
    QVERIFY(h == Histogram());
    QCOMPARE(h.count(), 0u);
    QCOMPARE(h.saturatedCount(), 0u);
    QCOMPARE(h.percentile(50), 0);
    h.record(9);
    QCOMPARE(h.min(), 9);
    QCOMPARE(h.max(), 9);
}

void TestHistogram::bucketRoundTrip() {
    auto values = generate(Distribution::LogUniform);
    values.push_back(Histogram::kHighestTrackable + 1); // so saturatedCount is carried too
    const Histogram h = histogramOf(values);
    const auto buckets = h.nonZeroBuckets();
    QVERIFY(std::is_sorted(buckets.begin(), buckets.end(),
                           [](const auto& l, const auto& r) { return l.index < r.index; }));

    const Histogram back = Histogram::fromBuckets(buckets, h.min(), h.max(), h.sum(), h.saturatedCount());
    QVERIFY(back == h);
    comparePercentiles(back, h);
    QCOMPARE(back.mean(), h.mean());
    QCOMPARE(back.saturatedCount(), 1u);

    // Empty round trip stays equal to a fresh histogram.
    QVERIFY(Histogram::fromBuckets({}, 0, 0, 0.0) == Histogram());
}

void TestHistogram::fromBucketsSkipsInvalidIndices() {
    const Histogram h = Histogram::fromBuckets(
        {{-1, 5}, {Histogram::kBucketCount, 5}, {100, 2}, {std::numeric_limits<std::int32_t>::max(), 1}}, 100,
        100, 200.0);
    QCOMPARE(h.count(), 2u);
    QCOMPARE(h.percentile(50), 100);
}

void TestHistogram::bucketsContainTheirValues() {
    std::vector<std::int64_t> values;
    for (std::int64_t v = 0; v <= 100'000; ++v)
        values.push_back(v);
    for (std::int64_t p = 1; p <= Histogram::kHighestTrackable; p *= 2) {
        values.push_back(p - 1);
        values.push_back(p);
        values.push_back(p + 1);
    }
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<std::int64_t> any(0, Histogram::kHighestTrackable);
    for (int i = 0; i < 100'000; ++i)
        values.push_back(any(rng));
    values.push_back(Histogram::kHighestTrackable);
    std::sort(values.begin(), values.end());

    std::int32_t previous = 0;
    for (const auto v : values) {
        const std::int32_t index = Histogram::bucketIndexOf(v);
        QVERIFY(index >= previous); // monotonic in the value
        QVERIFY(index < Histogram::kBucketCount);
        QVERIFY2(Histogram::bucketLowestValue(index) <= v && v <= Histogram::bucketHighestValue(index),
                 qPrintable(QStringLiteral("value %1 in bucket %2").arg(v).arg(index)));
        previous = index;
    }
    QCOMPARE(Histogram::bucketIndexOf(0), 0);
    QCOMPARE(Histogram::bucketIndexOf(-1), 0);
    QCOMPARE(Histogram::bucketIndexOf(Histogram::kHighestTrackable), Histogram::kBucketCount - 1);
    QCOMPARE(Histogram::bucketIndexOf(std::numeric_limits<std::int64_t>::max()), Histogram::kBucketCount - 1);
}

void TestHistogram::bucketsAreContiguousAndNarrow() {
    // Values below 2048 are exact.
    for (std::int32_t i = 0; i < 2048; ++i) {
        QCOMPARE(Histogram::bucketLowestValue(i), std::int64_t(i));
        QCOMPARE(Histogram::bucketHighestValue(i), std::int64_t(i));
    }
    for (std::int32_t i = 0; i + 1 < Histogram::kBucketCount; ++i)
        QCOMPARE(Histogram::bucketHighestValue(i) + 1, Histogram::bucketLowestValue(i + 1));
    // The 3-significant-digit promise: every value is within 1/2048 of its bucket's representative.
    for (std::int32_t i = 0; i < Histogram::kBucketCount; ++i) {
        const auto lo = Histogram::bucketLowestValue(i);
        const auto hi = Histogram::bucketHighestValue(i);
        const auto rep = Histogram::bucketRepresentativeValue(i);
        QVERIFY(lo <= rep && rep <= hi);
        const double worst = double(std::max(rep - lo, hi - rep)) / double(std::max<std::int64_t>(lo, 1));
        QVERIFY2(worst <= 1.0 / 2048,
                 qPrintable(QStringLiteral("bucket %1 [%2, %3]").arg(i).arg(lo).arg(hi)));
    }
}

void TestHistogram::memory() {
    const Histogram h;
    QVERIFY(h.memoryBytes() >= std::size_t(Histogram::kBucketCount) * sizeof(std::uint64_t));
    QCOMPARE(Histogram::kBucketCount, 23221); // (21 << 10) + (3.6e9 >> 21) + 1
    // Recording never grows it.
    Histogram g;
    g.record(Histogram::kHighestTrackable + 1);
    g.record(-1);
    QCOMPARE(g.memoryBytes(), h.memoryBytes());
}

QTEST_APPLESS_MAIN(TestHistogram)

#include "test_histogram.moc"
