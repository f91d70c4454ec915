// A tiny outer allocator for tests/test_outerallocator.cpp, loaded with LD_PRELOAD in front of
// `coroscope run` the way heaptrack's libheaptrack_preload.so is: it defines the malloc family,
// counts what reaches it and forwards to glibc. Unlike heaptrack it is strict, like a replacement
// allocator (jemalloc, tcmalloc) would have to be: every block carries its own 16-byte header, and
// a block it did not make that is freed or resized through it is counted as foreign (glibc then
// frees it, so the run goes on and the test can say what went wrong).
//
// At exit it writes its counts to the file named by COROSCOPE_PRELOADCOUNTER_OUT, one
// `name value` per line. No allocation and no locks here: it runs inside every malloc.

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

extern "C" {
void* __libc_malloc(size_t size) noexcept;
void __libc_free(void* ptr) noexcept;
void* __libc_calloc(size_t count, size_t size) noexcept;
void* __libc_realloc(void* ptr, size_t size) noexcept;
void* __libc_memalign(size_t alignment, size_t size) noexcept;
}

namespace {

/// Right before each block handed out.
struct Header {
    std::uint32_t magic;
    std::uint32_t offset; // from glibc's block to ours: 16, or the alignment
    std::uint64_t size;
};
static_assert(sizeof(Header) == 16);
constexpr std::uint32_t kMagic = 0xC0C0A11C;

struct Counts {
    std::atomic<std::uint64_t> allocations{0};
    std::atomic<std::uint64_t> alignedAllocations{0};
    std::atomic<std::uint64_t> frees{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> largestBlock{0};
    std::atomic<std::uint64_t> foreign{0};
};
constinit Counts g_counts;

Header* headerOf(void* user) noexcept {
    return static_cast<Header*>(user) - 1;
}

bool isOurs(void* user) noexcept {
    return headerOf(user)->magic == kMagic;
}

void* stamp(void* raw, std::uint32_t offset, std::size_t size, bool aligned) noexcept {
    void* user = static_cast<char*>(raw) + offset;
    *headerOf(user) = Header{kMagic, offset, size};
    g_counts.allocations.fetch_add(1, std::memory_order_relaxed);
    if (aligned)
        g_counts.alignedAllocations.fetch_add(1, std::memory_order_relaxed);
    g_counts.bytes.fetch_add(size, std::memory_order_relaxed);
    std::uint64_t largest = g_counts.largestBlock.load(std::memory_order_relaxed);
    while (size > largest &&
           !g_counts.largestBlock.compare_exchange_weak(largest, size, std::memory_order_relaxed)) {
    }
    return user;
}

void* allocate(std::size_t size) noexcept {
    if (size > SIZE_MAX / 2) {
        errno = ENOMEM;
        return nullptr;
    }
    void* raw = __libc_malloc(size + sizeof(Header));
    return raw ? stamp(raw, sizeof(Header), size, false) : nullptr;
}

void* allocateAligned(std::size_t alignment, std::size_t size) noexcept {
    if (alignment <= sizeof(Header))
        alignment = sizeof(Header);
    if (size > SIZE_MAX / 2 || alignment > (std::size_t(1) << 30) || (alignment & (alignment - 1)) != 0) {
        errno = alignment & (alignment - 1) ? EINVAL : ENOMEM;
        return nullptr;
    }
    void* raw = __libc_memalign(alignment, size + alignment);
    return raw ? stamp(raw, std::uint32_t(alignment), size, true) : nullptr;
}

void release(void* user) noexcept {
    if (!isOurs(user)) {
        g_counts.foreign.fetch_add(1, std::memory_order_relaxed);
        __libc_free(user);
        return;
    }
    Header* h = headerOf(user);
    const std::uint32_t offset = h->offset;
    h->magic = 0;
    g_counts.frees.fetch_add(1, std::memory_order_relaxed);
    __libc_free(static_cast<char*>(user) - offset);
}

void writeCounts() noexcept {
    const char* path = getenv("COROSCOPE_PRELOADCOUNTER_OUT");
    if (!path)
        return;
    const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    char text[512];
    const int n = std::snprintf(text, sizeof text,
                                "allocations %llu\naligned_allocations %llu\nfrees %llu\nbytes "
                                "%llu\nlargest_block %llu\nforeign %llu\n",
                                static_cast<unsigned long long>(g_counts.allocations.load()),
                                static_cast<unsigned long long>(g_counts.alignedAllocations.load()),
                                static_cast<unsigned long long>(g_counts.frees.load()),
                                static_cast<unsigned long long>(g_counts.bytes.load()),
                                static_cast<unsigned long long>(g_counts.largestBlock.load()),
                                static_cast<unsigned long long>(g_counts.foreign.load()));
    if (n > 0) [[maybe_unused]]
        const auto written = ::write(fd, text, std::size_t(n));
    ::close(fd);
}

// A destructor of the preloaded library runs after the executable's and its other libraries'
// (it was initialized before them): the counts are final but for exit's own last frees.
__attribute__((destructor)) void onUnload() {
    writeCounts();
}

} // namespace

extern "C" {

__attribute__((visibility("default"))) void* malloc(size_t size) noexcept {
    return allocate(size);
}

__attribute__((visibility("default"))) void free(void* ptr) noexcept {
    if (ptr)
        release(ptr);
}

__attribute__((visibility("default"))) void* calloc(size_t count, size_t size) noexcept {
    size_t total = 0;
    if (__builtin_mul_overflow(count, size, &total) || total > SIZE_MAX / 2) {
        errno = ENOMEM;
        return nullptr;
    }
    void* raw = __libc_calloc(1, total + sizeof(Header));
    return raw ? stamp(raw, sizeof(Header), total, false) : nullptr;
}

__attribute__((visibility("default"))) void* realloc(void* ptr, size_t size) noexcept {
    if (!ptr)
        return allocate(size);
    if (size == 0) {
        release(ptr);
        return nullptr;
    }
    if (!isOurs(ptr)) {
        g_counts.foreign.fetch_add(1, std::memory_order_relaxed);
        return __libc_realloc(ptr, size);
    }
    // Always moved, so a caller relying on a block staying in place shows up: a second free of the
    // old pointer is counted as foreign.
    const std::uint64_t old = headerOf(ptr)->size;
    void* moved = allocate(size);
    if (!moved)
        return nullptr;
    std::memcpy(moved, ptr, old < size ? old : size);
    release(ptr);
    return moved;
}

__attribute__((visibility("default"))) int posix_memalign(void** out, size_t alignment,
                                                          size_t size) noexcept {
    if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0)
        return EINVAL;
    void* p = allocateAligned(alignment, size);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

__attribute__((visibility("default"))) void* aligned_alloc(size_t alignment, size_t size) noexcept {
    return allocateAligned(alignment, size);
}

__attribute__((visibility("default"))) void* memalign(size_t alignment, size_t size) noexcept {
    return allocateAligned(alignment, size);
}

__attribute__((visibility("default"))) void* valloc(size_t size) noexcept {
    return allocateAligned(std::size_t(sysconf(_SC_PAGESIZE)), size);
}

__attribute__((visibility("default"))) size_t malloc_usable_size(void* ptr) noexcept {
    return ptr && isOurs(ptr) ? std::size_t(headerOf(ptr)->size) : 0;
}

} // extern "C"
