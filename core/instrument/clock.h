#pragma once

#include <chrono>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace coroscope {

namespace detail {
// Decided once during static initialisation; a plain load on every Clock::now().
extern const bool g_clockUsesTsc;
} // namespace detail

/// Cheap monotonic timestamps for the measured loop's hot path.
///
/// On x86 with an invariant TSC (the clocksource on our machines) a read is one `rdtsc`, ~7 ns,
/// against ~25 ns for steady_clock (docs/platform-facts.md). Elsewhere it falls back to
/// steady_clock. Hot paths store raw ticks; conversion to nanoseconds happens off the loop.
class Clock {
public:
    using Ticks = std::uint64_t;

    static Ticks now() noexcept {
#if defined(__x86_64__) || defined(__i386__)
        if (usesTsc()) [[likely]]
            return __rdtsc();
#endif
        return static_cast<Ticks>(std::chrono::steady_clock::now().time_since_epoch().count());
    }

    /// Ticks at process start (the first call); all session times are relative to it.
    static Ticks origin() noexcept;

    /// Calibrates on first use (~20 ms, once per process). Call early, off the hot path.
    static void calibrate() noexcept;

    static double nanosPerTick() noexcept;
    static std::int64_t toNanos(Ticks ticks) noexcept {
        return std::int64_t(double(ticks) * nanosPerTick());
    }
    static Ticks fromNanos(std::int64_t nanos) noexcept {
        return Ticks(double(nanos) / nanosPerTick());
    }
    static Ticks fromDuration(std::chrono::nanoseconds d) noexcept {
        return fromNanos(d.count());
    }

    /// Nanoseconds between the process origin and `ticks`.
    static std::int64_t sinceOrigin(Ticks ticks) noexcept {
        return ticks >= origin() ? toNanos(ticks - origin()) : -toNanos(origin() - ticks);
    }
    static std::int64_t nanosNow() noexcept {
        return sinceOrigin(now());
    }

    /// False where the TSC is not invariant or COROSCOPE_CLOCK=steady is set.
    static bool usesTsc() noexcept {
        return detail::g_clockUsesTsc;
    }
};

} // namespace coroscope
