#pragma once

#include "model/memorystats.h"

#include <cstdint>

namespace coroscope {

/// Reads the process's resident set size and malloc heap usage.
///
/// /proc/self/statm is opened once and re-read with pread(): ~1.6 µs instead of an
/// open/read/close per sample, and no allocation, so sample() can run at a fixed rate on a
/// sampler thread without disturbing the heap it measures. The const reads are safe from
/// several threads (pread does not move a shared file offset).
///
/// Heap cost warning: mallinfo2() walks every free chunk of every arena while holding that
/// arena's lock. On a typical heap it takes ~0.2 µs; on a fragmented one it takes milliseconds
/// (~50 ms with 500 k free chunks, measured) and the program's own malloc calls wait for it.
/// MemorySampler therefore spaces heap reads by their measured cost; other callers should too.
class MemoryProbe {
public:
    MemoryProbe() noexcept;
    ~MemoryProbe();

    MemoryProbe(MemoryProbe&& other) noexcept;
    MemoryProbe& operator=(MemoryProbe&& other) noexcept;
    MemoryProbe(const MemoryProbe&) = delete;
    MemoryProbe& operator=(const MemoryProbe&) = delete;

    /// True when /proc/self/statm could be opened (RSS readings are meaningful).
    bool hasRss() const noexcept { return m_statmFd >= 0; }

    /// Takes a sample now: rssBytes() and heapBytes(). Does not allocate.
    MemorySample sample() const noexcept;

    /// Resident set size in bytes (resident pages × page size); -1 when unavailable.
    std::int64_t rssBytes() const noexcept;

    /// malloc heap in use, mallinfo2() uordblks + hblkhd; -1 when another allocator replaced
    /// glibc's (ASan, TSan, jemalloc...). See the cost warning above.
    static std::int64_t heapBytes() noexcept;

private:
    int m_statmFd = -1;
    std::int64_t m_pageSize = 4096;
};

} // namespace coroscope
