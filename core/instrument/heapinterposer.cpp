// The malloc interposer: linked into the `coroscope` executable only (an OBJECT library), so its
// malloc/free/... take precedence over glibc's for the whole process by ELF symbol interposition,
// Qt's own containers included (they call malloc, not operator new). Each block gets a 16-byte
// header naming the account that paid for it; the next malloc family in symbol-lookup order does
// the real work (see Backend below): glibc's, or an outer tool's preloaded one.
//
// Everything here runs before main, inside signal handlers and in the dynamic loader's callbacks:
// no locks, no allocation, no C++ runtime beyond thread_local PODs and relaxed atomics.

#include "instrument/heapinterposer.h"

#include "instrument/heapaccount.h"

#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <dlfcn.h>
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

// ---- Backend: where the blocks come from ----------------------------------------------------
//
// Not glibc's __libc_* by name but the next definitions after this executable in symbol-lookup
// order, found with dlsym(RTLD_NEXT) at the first call. With nothing preloaded those are glibc's
// own (malloc is an alias of __libc_malloc: the same function, reached through one indirect call
// instead of a PLT jump). Under `heaptrack` (LD_PRELOAD=libheaptrack_preload.so) or with a
// preloaded jemalloc or tcmalloc they are that library's: its malloc records the block and calls
// glibc's in turn, or serves the block itself. The executable's definitions are found before every
// preloaded library's, so calling __libc_* directly would hide every allocation from such a tool
// (issue 13: heaptrack recorded 0 allocations). tests/test_outerallocator.cpp guards this.
//
// Over-aligned blocks go through posix_memalign, the one aligned entry point every such library
// defines (heaptrack has no memalign hook: a memalign forwarded to it would reach glibc unseen).

using MallocFn = void* (*)(std::size_t) noexcept;
using FreeFn = void (*)(void*) noexcept;
using CallocFn = void* (*)(std::size_t, std::size_t) noexcept;
using ReallocFn = void* (*)(void*, std::size_t) noexcept;
using PosixMemalignFn = int (*)(void**, std::size_t, std::size_t) noexcept;
using UsableSizeFn = std::size_t (*)(void*) noexcept;

void* bootstrapMalloc(std::size_t size) noexcept;
void bootstrapFree(void* raw) noexcept;
void* bootstrapCalloc(std::size_t count, std::size_t size) noexcept;
void* bootstrapRealloc(void* raw, std::size_t size) noexcept;
int bootstrapPosixMemalign(void** out, std::size_t alignment, std::size_t size) noexcept;

// Constant-initialized to the bootstrap functions, which resolve the backend on the first call
// (whichever of them comes first) and then stand aside. Relaxed: each is a code address, valid
// whichever value a thread sees, and resolution is idempotent.
constinit std::atomic<MallocFn> g_malloc{&bootstrapMalloc};
constinit std::atomic<FreeFn> g_free{&bootstrapFree};
constinit std::atomic<CallocFn> g_calloc{&bootstrapCalloc};
constinit std::atomic<ReallocFn> g_realloc{&bootstrapRealloc};
constinit std::atomic<PosixMemalignFn> g_posixMemalign{&bootstrapPosixMemalign};
constinit std::atomic<UsableSizeFn> g_usableSize{nullptr}; ///< resolved with the others

// Whether new blocks get a header naming their owner. On from the first allocation; the launch
// probe turns it off for a program without tasks to charge (stopTagging()). Blocks made before
// stay tagged: every path below tells tagged from untagged blocks by the header's magic, as it
// already must for blocks made before the interposer existed.
constinit std::atomic<bool> g_tagging{true};

// dlsym may allocate while it looks the backend up (older glibc kept the dlerror state in a
// calloc'd block): on the resolving thread those requests come from this arena, bump-allocated,
// zero from the start (calloc), never reused. free() and realloc() recognize its blocks by address
// (one subtraction and compare on their path), so a block dlsym keeps and frees later never
// reaches the backend that did not make it.
constexpr std::size_t kArenaSize = 4096;
alignas(64) char g_arena[kArenaSize];
constinit std::atomic<std::size_t> g_arenaUsed{0};
constinit thread_local bool t_resolving = false;

bool inArena(const void* raw) noexcept {
    return reinterpret_cast<std::uintptr_t>(raw) - reinterpret_cast<std::uintptr_t>(g_arena) < kArenaSize;
}

void* arenaAllocate(std::size_t alignment, std::size_t size) noexcept {
    std::size_t used = g_arenaUsed.load(std::memory_order_relaxed);
    for (;;) {
        const std::size_t start = (used + alignment - 1) & ~(alignment - 1);
        if (start > kArenaSize || size > kArenaSize - start) {
            errno = ENOMEM; // dlsym reports it; the backend then falls back to glibc (resolve())
            return nullptr;
        }
        if (g_arenaUsed.compare_exchange_weak(used, start + size, std::memory_order_relaxed))
            return g_arena + start;
    }
}

int libcPosixMemalign(void** out, std::size_t alignment, std::size_t size) noexcept {
    void* raw = __libc_memalign(alignment, size);
    if (!raw)
        return ENOMEM;
    *out = raw;
    return 0;
}

/// The next definition of `name` after this executable, or glibc's if there is none (or the
/// lookup itself failed).
template <typename Fn>
Fn nextDefinition(const char* name, Fn glibc) noexcept {
    void* found = dlsym(RTLD_NEXT, name);
    return found ? reinterpret_cast<Fn>(found) : glibc;
}

void resolve() noexcept {
    t_resolving = true;
    const auto nextMalloc = nextDefinition<MallocFn>("malloc", &__libc_malloc);
    const auto nextFree = nextDefinition<FreeFn>("free", &__libc_free);
    const auto nextCalloc = nextDefinition<CallocFn>("calloc", &__libc_calloc);
    const auto nextRealloc = nextDefinition<ReallocFn>("realloc", &__libc_realloc);
    const auto nextPosixMemalign = nextDefinition<PosixMemalignFn>("posix_memalign", &libcPosixMemalign);
    const auto nextUsableSize = reinterpret_cast<UsableSizeFn>(dlsym(RTLD_NEXT, "malloc_usable_size"));
    t_resolving = false;
    g_usableSize.store(nextUsableSize, std::memory_order_relaxed);
    g_malloc.store(nextMalloc, std::memory_order_relaxed);
    g_free.store(nextFree, std::memory_order_relaxed);
    g_calloc.store(nextCalloc, std::memory_order_relaxed);
    g_realloc.store(nextRealloc, std::memory_order_relaxed);
    g_posixMemalign.store(nextPosixMemalign, std::memory_order_relaxed);
}

void* bootstrapMalloc(std::size_t size) noexcept {
    if (t_resolving)
        return arenaAllocate(16, size);
    resolve();
    return g_malloc.load(std::memory_order_relaxed)(size);
}

void bootstrapFree(void* raw) noexcept {
    if (t_resolving)
        return; // inside dlsym, before any backend is known: leaked (arena blocks never go back)
    resolve();
    g_free.load(std::memory_order_relaxed)(raw);
}

void* bootstrapCalloc(std::size_t count, std::size_t size) noexcept {
    if (t_resolving)
        return arenaAllocate(16, count * size); // count is 1: our calloc multiplied already
    resolve();
    return g_calloc.load(std::memory_order_relaxed)(count, size);
}

void* bootstrapRealloc(void* raw, std::size_t size) noexcept {
    if (t_resolving)
        return nullptr; // a foreign block resized inside dlsym: refused, it stays valid (realloc()
                        // moves arena blocks itself)
    resolve();
    return g_realloc.load(std::memory_order_relaxed)(raw, size);
}

int bootstrapPosixMemalign(void** out, std::size_t alignment, std::size_t size) noexcept {
    if (t_resolving) {
        *out = arenaAllocate(alignment, size);
        return *out ? 0 : ENOMEM;
    }
    resolve();
    return g_posixMemalign.load(std::memory_order_relaxed)(out, alignment, size);
}

void backendFree(void* raw) noexcept {
    if (!inArena(raw))
        g_free.load(std::memory_order_relaxed)(raw);
}

// ---- Blocks and their headers ---------------------------------------------------------------

/// Sits right before the pointer handed out. 16 bytes keep malloc's 16-byte alignment.
struct Header {
    Account* owner;
    /// size (bits 0..47) | log2 of the distance from the backend's block to ours (48..53) | magic (54..63)
    std::uint64_t word;
};
static_assert(sizeof(Header) == 16);

constexpr std::uint64_t kMagic = 0x2C5;
constexpr std::uint64_t kMaxSize = (std::uint64_t(1) << 47);
constexpr unsigned kPlainShift = 4; // log2(sizeof(Header)): the backend's block + 16

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

bool tagging() noexcept {
    return g_tagging.load(std::memory_order_relaxed);
}

void* allocatePlain(std::size_t size) noexcept {
    if (!tagging()) [[unlikely]]
        return g_malloc.load(std::memory_order_relaxed)(size);
    if (size >= kMaxSize) {
        errno = ENOMEM;
        return nullptr;
    }
    void* raw = g_malloc.load(std::memory_order_relaxed)(size + sizeof(Header));
    return raw ? stamp(raw, kPlainShift, size) : nullptr;
}

/// `alignment` a power of two: the backend's block is `alignment` bigger, our pointer `alignment` in.
void* allocateAligned(std::size_t alignment, std::size_t size) noexcept {
    if (alignment <= sizeof(Header))
        return allocatePlain(size);
    if (!tagging()) [[unlikely]] {
        void* raw = nullptr;
        if (g_posixMemalign.load(std::memory_order_relaxed)(&raw, alignment, size) != 0) {
            errno = ENOMEM;
            return nullptr;
        }
        return raw;
    }
    if (size >= kMaxSize || alignment >= kMaxSize) {
        errno = ENOMEM;
        return nullptr;
    }
    void* raw = nullptr;
    // alignment > 16 here: a power of two and a multiple of sizeof(void*), as posix_memalign needs.
    if (g_posixMemalign.load(std::memory_order_relaxed)(&raw, alignment, size + alignment) != 0) {
        errno = ENOMEM;
        return nullptr;
    }
    return stamp(raw, unsigned(std::countr_zero(alignment)), size);
}

void release(void* user) noexcept {
    Header* h = headerOf(user);
    if (!isOurs(h)) {
        // Not ours: a block of ld.so's minimal malloc from before relocation, or of a direct
        // __libc_malloc caller: glibc's own. The backend's free gets it, as without Coroscope.
        g_free.load(std::memory_order_relaxed)(user);
        return;
    }
    if (h->owner)
        h->owner->credit(sizeOf(h));
    void* raw = rawOf(user, h);
    // Cleared so that a second free() of an over-aligned block reaches glibc, which reports it. For
    // a plain block glibc's tcache reuses these bytes at once: a double free is then undefined
    // here, as it is in glibc (no detection promised).
    h->word = 0;
    backendFree(raw);
}

std::size_t roundUpToPowerOfTwo(std::size_t n) noexcept {
    return n <= 1 ? 1 : std::bit_ceil(n);
}

struct MarkInterposed {
    MarkInterposed() noexcept {
        if (tagging()) // stopTagging() may have run first, from another constructor
            coroscope::heap::markInterposed();
    }
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
    if (!tagging()) [[unlikely]]
        return g_calloc.load(std::memory_order_relaxed)(count, size);
    size_t total = 0;
    if (__builtin_mul_overflow(count, size, &total) || total >= kMaxSize) {
        errno = ENOMEM;
        return nullptr;
    }
    // glibc's calloc knows when fresh mmap'd memory is already zero; keep that.
    void* raw = g_calloc.load(std::memory_order_relaxed)(1, total + sizeof(Header));
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
        return g_realloc.load(std::memory_order_relaxed)(ptr, size); // foreign stays foreign
    if (size >= kMaxSize) {
        errno = ENOMEM;
        return nullptr;
    }
    if (((h->word >> 48) & 0x3F) != kPlainShift || inArena(h)) {
        // Over-aligned: move it (realloc never promised more than malloc's alignment). An arena
        // block moves out to the backend.
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
    void* raw = g_realloc.load(std::memory_order_relaxed)(h, size + sizeof(Header));
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

// The size asked for (always within the block). An untagged block is the backend's to measure
// (SQLite sizes its blocks with this); 0 before the backend is known.
size_t malloc_usable_size(void* ptr) noexcept {
    if (!ptr)
        return 0;
    const Header* h = headerOf(ptr);
    if (isOurs(h))
        return std::size_t(sizeOf(h));
    const UsableSizeFn next = g_usableSize.load(std::memory_order_relaxed);
    return next ? next(ptr) : 0;
}

} // extern "C"

namespace coroscope::heap {

void stopTagging() noexcept {
    g_tagging.store(false, std::memory_order_relaxed);
    unmarkInterposed();
}

} // namespace coroscope::heap
