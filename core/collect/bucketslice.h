#pragma once

#include <cstddef>

namespace coroscope {

/// Visits the elements of an unordered container a slice at a time: at most about `limit` per
/// call, bucket by bucket, going on where the previous call stopped (`cursor`, kept by the
/// caller). A container no larger than `limit` is visited whole every call. Periodic work over
/// every task (rules, heap accounts) stays bounded per tick with a million tasks; each task is
/// still seen once per size/limit calls. A rehash between calls only moves the cursor's place: a
/// pass may then see some elements twice and others one pass late, never lose them for good.
template <typename Container, typename Visit>
void visitSlice(Container& container, std::size_t& cursor, std::size_t limit, Visit&& visit) {
    if (container.size() <= limit) {
        for (auto& element : container)
            visit(element);
        return;
    }
    const std::size_t buckets = container.bucket_count();
    if (cursor >= buckets)
        cursor = 0;
    std::size_t visited = 0;
    const std::size_t first = cursor;
    do {
        for (auto it = container.begin(cursor); it != container.end(cursor); ++it, ++visited)
            visit(*it);
        cursor = (cursor + 1) % buckets;
    } while (visited < limit && cursor != first);
}

} // namespace coroscope
