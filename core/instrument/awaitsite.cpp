#include "instrument/awaitsite.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <tuple>
#include <unordered_map>

namespace coroscope {
namespace {

struct Key {
    const char* kind;
    const char* file;
    int line;
    bool operator==(const Key&) const = default;
};

struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
        // The pointers are of static strings: their addresses identify them.
        std::uint64_t h = std::uint64_t(reinterpret_cast<std::uintptr_t>(k.kind)) * 0x9E3779B97F4A7C15ull;
        h ^= std::uint64_t(reinterpret_cast<std::uintptr_t>(k.file)) + 0x632BE59BD9B4E019ull + (h << 6) +
             (h >> 2);
        h ^= std::uint64_t(std::uint32_t(k.line)) * 0xC2B2AE3D27D4EB4Full;
        return std::size_t(h ^ (h >> 29));
    }
};

// Sites are never freed: records in flight and the collector's aggregates point at them.
std::mutex g_mutex;
std::unordered_map<Key, std::unique_ptr<AwaitSite>, KeyHash>& table() {
    static auto* t = new std::unordered_map<Key, std::unique_ptr<AwaitSite>, KeyHash>();
    return *t;
}

// A direct-mapped cache per thread: a program awaits at a few hundred places, over and over.
constexpr std::size_t kCacheSlots = 512;
struct CacheSlot {
    Key key{nullptr, nullptr, 0};
    const AwaitSite* site = nullptr;
};
thread_local std::array<CacheSlot, kCacheSlots> t_cache{};

} // namespace

const AwaitSite* internAwaitSite(const char* kind, const char* file, int line) noexcept {
    const Key key{kind, file, line};
    CacheSlot& slot = t_cache[KeyHash{}(key) % kCacheSlots];
    if (slot.site && slot.key == key)
        return slot.site;
    try {
        const std::lock_guard lock(g_mutex);
        auto& entry = table()[key];
        if (!entry)
            entry = std::make_unique<AwaitSite>(AwaitSite{kind, file, line});
        slot = {key, entry.get()};
        return entry.get();
    } catch (...) {
        return nullptr; // out of memory: the await is recorded without its site
    }
}

} // namespace coroscope
