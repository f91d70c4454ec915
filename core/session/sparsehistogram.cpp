#include "session/sparsehistogram.h"

#include <QtEndian>

namespace coroscope::session {

SparseHistogram SparseHistogram::of(const Histogram& h) {
    SparseHistogram s;
    s.count = h.count();
    if (s.count == 0)
        return s;
    s.buckets = h.nonZeroBuckets();
    s.min = h.min();
    s.max = h.max();
    s.sum = h.sum();
    s.saturated = h.saturatedCount();
    return s;
}

Histogram SparseHistogram::toHistogram() const {
    return count ? Histogram::fromBuckets(buckets, min, max, sum, saturated) : Histogram();
}

QByteArray SparseHistogram::bucketsBlob() const {
    QByteArray blob(qsizetype(buckets.size() * 12), Qt::Uninitialized);
    char* out = blob.data();
    for (const Histogram::Bucket& b : buckets) {
        qToLittleEndian<std::int32_t>(b.index, out);
        qToLittleEndian<std::uint64_t>(b.count, out + 4);
        out += 12;
    }
    return blob;
}

bool SparseHistogram::parseBuckets(const QByteArray& blob, std::vector<Histogram::Bucket>& out) {
    if (blob.size() % 12 != 0)
        return false;
    out.clear();
    out.reserve(std::size_t(blob.size() / 12));
    for (qsizetype at = 0; at < blob.size(); at += 12)
        out.push_back({qFromLittleEndian<std::int32_t>(blob.constData() + at),
                       qFromLittleEndian<std::uint64_t>(blob.constData() + at + 4)});
    return true;
}

} // namespace coroscope::session
