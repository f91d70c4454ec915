#include "memory/memoryprobe.h"

#include "instrument/clock.h"

#include <charconv>
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>
#include <utility>

namespace coroscope {

MemoryProbe::MemoryProbe() noexcept
    : m_statmFd(::open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) {
    const long pageSize = ::sysconf(_SC_PAGESIZE);
    if (pageSize > 0)
        m_pageSize = pageSize;
}

MemoryProbe::~MemoryProbe() {
    if (m_statmFd >= 0)
        ::close(m_statmFd);
}

MemoryProbe::MemoryProbe(MemoryProbe&& other) noexcept
    : m_statmFd(std::exchange(other.m_statmFd, -1))
    , m_pageSize(other.m_pageSize) {}

MemoryProbe& MemoryProbe::operator=(MemoryProbe&& other) noexcept {
    if (this != &other) {
        if (m_statmFd >= 0)
            ::close(m_statmFd);
        m_statmFd = std::exchange(other.m_statmFd, -1);
        m_pageSize = other.m_pageSize;
    }
    return *this;
}

MemorySample MemoryProbe::sample() const noexcept {
    MemorySample s;
    s.tNanos = Clock::nanosNow();
    s.rssBytes = rssBytes();
    s.heapBytes = heapBytes();
    return s;
}

std::int64_t MemoryProbe::heapBytes() noexcept {
    // mallinfo2() sums every arena (not just the main one) and, unlike mallinfo(), does not
    // wrap at 2 GiB. uordblks = bytes in use in sbrk/arena chunks; hblkhd = bytes in chunks
    // malloc served with mmap (large blocks), which uordblks does not include.
    const struct mallinfo2 mi = ::mallinfo2();
    // No memory obtained from the system at all means glibc's malloc is not the one in use
    // (sanitizers, jemalloc, tcmalloc replace it and leave it empty): say "unknown", not 0.
    if (mi.arena == 0 && mi.hblkhd == 0)
        return -1;
    return std::int64_t(mi.uordblks + mi.hblkhd);
}

std::int64_t MemoryProbe::rssBytes() const noexcept {
    if (m_statmFd < 0)
        return -1;
    // statm is "size resident shared text lib data dt" in pages: seven numbers, well under 128
    // bytes. pread at offset 0 regenerates the file's content, so no lseek is needed.
    char buf[128];
    const ssize_t n = ::pread(m_statmFd, buf, sizeof buf, 0);
    if (n <= 0)
        return -1;
    const char* p = buf;
    const char* const end = buf + n;
    while (p < end && *p != ' ') // skip "size"
        ++p;
    while (p < end && *p == ' ')
        ++p;
    std::int64_t residentPages = 0;
    if (std::from_chars(p, end, residentPages).ec != std::errc())
        return -1;
    return residentPages * m_pageSize;
}

} // namespace coroscope
