// The malloc interposer: linked into the `coroscope` executable only (an OBJECT library), so its
// malloc/free/... take precedence over glibc's for the whole process by ELF symbol interposition,
// Qt's own containers included (they call malloc, not operator new). Each block gets a 16-byte
// header naming the account that paid for it; glibc's __libc_* functions do the real work.
//
// Everything here runs before main, inside signal handlers and in the dynamic loader's callbacks:
// no locks, no allocation, no C++ runtime beyond thread_local PODs and relaxed atomics.

#include "instrument/heapaccount.h"

#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

extern "C" {
void* __libc_malloc(size_t size) noexcept;
void __libc_free(void* ptr) noexcept;
void* __libc_calloc(size_t count, size_t size) noexcept;
void* __libc_realloc(void* ptr, size_t size) noexcept;
void* __libc_memalign(size_t alignment, size_t size) noexcept;
}

namespace {

using coroscope::heap::Account;

/// Sits right before the pointer handed out. 16 bytes keep malloc's 16-byte alignment.
struct Header {
    Account* owner;
    /// size (bits 0..47) | log2 of the distance from glibc's block to ours (48..53) | magic (54..63)
    std::uint64_t word;
};
static_assert(sizeof(Header) == 16);

constexpr std::uint64_t kMagic = 0x2C5;
constexpr std::uint64_t kMaxSize = (std::uint64_t(1) << 47);
constexpr unsigned kPlainShift = 4; // log2(sizeof(Header)): glibc's block + 16

Header* headerOf(void* user) noexcept {
    return static_cast<Header*>(user) - 1;
}

bool isOurs(const Header* h) noexcept {
    return (h->word >> 54) == kMagic;
}

std::uint64_t sizeOf(const Header* h) noexcept {
    return h->word & ((std::uint64_t(1) << 48) - 1);
}

void* rawOf(void* user, const Header* h) noexcept {
    return static_cast<char*>(user) - (std::size_t(1) << ((h->word >> 48) & 0x3F));
}

void* stamp(void* raw, unsigned shift, std::size_t size) noexcept {
    void* user = static_cast<char*>(raw) + (std::size_t(1) << shift);
    Account* owner = coroscope::heap::t_current;
    *headerOf(user) = Header{owner, std::uint64_t(size) | (std::uint64_t(shift) << 48) | (kMagic << 54)};
    if (owner)
        owner->charge(size);
    return user;
}

void* allocatePlain(std::size_t size) noexcept {
    if (size >= kMaxSize) {
        errno = ENOMEM;
        return nullptr;
    }
    void* raw = __libc_malloc(size + sizeof(Header));
    return raw ? stamp(raw, kPlainShift, size) : nullptr;
}

/// `alignment` a power of two: glibc's block is `alignment` bigger, our pointer `alignment` in.
void* allocateAligned(std::size_t alignment, std::size_t size) noexcept {
    if (alignment <= sizeof(Header))
        return allocatePlain(size);
    if (size >= kMaxSize || alignment >= kMaxSize) {
        errno = ENOMEM;
        return nullptr;
    }
    void* raw = __libc_memalign(alignment, size + alignment);
    return raw ? stamp(raw, unsigned(std::countr_zero(alignment)), size) : nullptr;
}

void release(void* user) noexcept {
    Header* h = headerOf(user);
    if (!isOurs(h)) {
        // Not ours: a block of ld.so's minimal malloc from before relocation, or of a direct
        // __libc_malloc caller. glibc's own.
        __libc_free(user);
        return;
    }
    if (h->owner)
        h->owner->credit(sizeOf(h));
    void* raw = rawOf(user, h);
    // Cleared so that a second free() of an over-aligned block reaches glibc, which reports it. For
    // a plain block glibc's tcache reuses these bytes at once: a double free is then undefined
    // here, as it is in glibc (no detection promised).
    h->word = 0;
    __libc_free(raw);
}

std::size_t roundUpToPowerOfTwo(std::size_t n) noexcept {
    return n <= 1 ? 1 : std::bit_ceil(n);
}

struct MarkInterposed {
    MarkInterposed() noexcept { coroscope::heap::markInterposed(); }
} g_markInterposed;

} // namespace

extern "C" {

void* malloc(size_t size) noexcept {
    return allocatePlain(size);
}

void free(void* ptr) noexcept {
    if (ptr)
        release(ptr);
}

void* calloc(size_t count, size_t size) noexcept {
    size_t total = 0;
    if (__builtin_mul_overflow(count, size, &total) || total >= kMaxSize) {
        errno = ENOMEM;
        return nullptr;
    }
    // glibc's calloc knows when fresh mmap'd memory is already zero; keep that.
    void* raw = __libc_calloc(1, total + sizeof(Header));
    return raw ? stamp(raw, kPlainShift, total) : nullptr;
}

void* realloc(void* ptr, size_t size) noexcept {
    if (!ptr)
        return allocatePlain(size);
    if (size == 0) {
        release(ptr);
        return nullptr;
    }
    Header* h = headerOf(ptr);
    if (!isOurs(h))
        return __libc_realloc(ptr, size); // foreign stays foreign
    if (size >= kMaxSize) {
        errno = ENOMEM;
        return nullptr;
    }
    if (((h->word >> 48) & 0x3F) != kPlainShift) {
        // Over-aligned: move it (realloc never promised more than malloc's alignment).
        void* moved = allocatePlain(size);
        if (!moved)
            return nullptr;
        const std::uint64_t old = sizeOf(h);
        std::memcpy(moved, ptr, old < size ? old : size);
        release(ptr);
        return moved;
    }
    // Resized blocks belong to whoever resized them: the old size goes back to its payer first.
    Account* oldOwner = h->owner;
    const std::uint64_t oldSize = sizeOf(h);
    void* raw = __libc_realloc(h, size + sizeof(Header));
    if (!raw)
        return nullptr; // the old block is untouched, header and all
    if (oldOwner)
        oldOwner->credit(oldSize);
    return stamp(raw, kPlainShift, size);
}

void* reallocarray(void* ptr, size_t count, size_t size) noexcept {
    size_t total = 0;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return nullptr;
    }
    return realloc(ptr, total);
}

void* memalign(size_t alignment, size_t size) noexcept {
    if (alignment > kMaxSize) { // bit_ceil of it would be undefined; glibc refuses it too
        errno = EINVAL;
        return nullptr;
    }
    return allocateAligned(roundUpToPowerOfTwo(alignment), size);
}

void* aligned_alloc(size_t alignment, size_t size) noexcept {
    return memalign(alignment, size);
}

int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
    if (alignment < sizeof(void*) || !std::has_single_bit(alignment))
        return EINVAL;
    void* p = allocateAligned(alignment, size);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void* valloc(size_t size) noexcept {
    return allocateAligned(std::size_t(sysconf(_SC_PAGESIZE)), size);
}

void* pvalloc(size_t size) noexcept {
    if (size >= kMaxSize) { // rounding up would wrap to 0
        errno = ENOMEM;
        return nullptr;
    }
    const auto page = std::size_t(sysconf(_SC_PAGESIZE));
    return allocateAligned(page, (size + page - 1) & ~(page - 1));
}

// The size asked for (always within the block). A foreign block (see release()) says 0: glibc's
// own __libc_malloc_usable_size is not exported, and such blocks do not reach callers in practice.
size_t malloc_usable_size(void* ptr) noexcept {
    if (!ptr)
        return 0;
    const Header* h = headerOf(ptr);
    return isOurs(h) ? std::size_t(sizeOf(h)) : 0;
}

} // extern "C"
