#include "instrument/heapaccount.h"

#include <new>
#include <sys/mman.h>

namespace coroscope::heap {
namespace {

constinit std::atomic<bool> g_interposed{false};

// Accounts are carved from 64 KiB chunks taken straight from mmap: malloc would charge the
// account's own memory to whichever task is running, and accounts are never freed anyway.
constexpr std::size_t kChunkBytes = 64 * 1024;
constinit thread_local Account* t_chunkNext = nullptr;
constinit thread_local Account* t_chunkEnd = nullptr;

} // namespace

constinit thread_local Account* t_current = nullptr;

bool interposed() noexcept {
    return g_interposed.load(std::memory_order_relaxed);
}

void markInterposed() noexcept {
    g_interposed.store(true, std::memory_order_relaxed);
}

void unmarkInterposed() noexcept {
    g_interposed.store(false, std::memory_order_relaxed);
}

Account* newAccount() noexcept {
    if (!interposed())
        return nullptr;
    if (t_chunkNext == t_chunkEnd) {
        void* chunk = mmap(nullptr, kChunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (chunk == MAP_FAILED)
            return nullptr; // the task simply goes unaccounted
        t_chunkNext = static_cast<Account*>(chunk);
        t_chunkEnd = t_chunkNext + kChunkBytes / sizeof(Account);
    }
    return new (t_chunkNext++) Account;
}

} // namespace coroscope::heap
