#pragma once

#include "model/histogram.h"

#include <QByteArray>

#include <cstdint>
#include <vector>

namespace coroscope::session {

/// A histogram in the sparse form session files store: exact figures plus non-zero buckets.
struct SparseHistogram {
    std::vector<Histogram::Bucket> buckets;
    std::uint64_t count = 0;
    std::int64_t min = 0;
    std::int64_t max = 0;
    double sum = 0;
    std::uint64_t saturated = 0;

    static SparseHistogram of(const Histogram& h);
    Histogram toHistogram() const;
    /// The buckets as a blob: (int32 index, uint64 count) pairs, little-endian.
    QByteArray bucketsBlob() const;
    /// Parses bucketsBlob(); false when the blob is not a whole number of pairs.
    static bool parseBuckets(const QByteArray& blob, std::vector<Histogram::Bucket>& out);
};

} // namespace coroscope::session
