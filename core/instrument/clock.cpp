#include "instrument/clock.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

namespace coroscope {
namespace {

bool cpuHasInvariantTsc() {
#if defined(__x86_64__) || defined(__i386__)
    // constant_tsc + nonstop_tsc: the TSC ticks at one rate across frequency changes and idle states.
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("flags", 0) == 0)
            return line.find(" constant_tsc") != std::string::npos &&
                   line.find(" nonstop_tsc") != std::string::npos;
    }
#endif
    return false;
}

// COROSCOPE_CLOCK=steady forces the portable clock (for comparisons and odd hardware).
bool steadyClockForced() {
    const char* forced = std::getenv("COROSCOPE_CLOCK");
    return forced && std::string(forced) == "steady";
}

Clock::Ticks readTicks(bool tsc) {
#if defined(__x86_64__) || defined(__i386__)
    if (tsc)
        return __rdtsc();
#endif
    return Clock::Ticks(std::chrono::steady_clock::now().time_since_epoch().count());
}

// The TSC rate, measured against steady_clock over ~20 ms the first time it is needed (not during
// static initialisation: every program linking the core would pay the 20 ms at start-up).
double measureNanosPerTick(bool tsc) {
    if (!tsc)
        return 1.0; // steady_clock ticks are nanoseconds
    using namespace std::chrono;
    const auto wall0 = steady_clock::now();
    const Clock::Ticks tsc0 = readTicks(true);
    std::this_thread::sleep_for(20ms);
    const auto wall1 = steady_clock::now();
    const Clock::Ticks tsc1 = readTicks(true);
    return double(duration_cast<nanoseconds>(wall1 - wall0).count()) / double(tsc1 - tsc0);
}

const bool g_tsc = cpuHasInvariantTsc() && !steadyClockForced();
const Clock::Ticks g_origin = readTicks(g_tsc);

} // namespace

namespace detail {
extern const bool g_clockUsesTsc = g_tsc;
} // namespace detail

Clock::Ticks Clock::origin() noexcept {
    return g_origin;
}

void Clock::calibrate() noexcept {
    (void)nanosPerTick();
}

double Clock::nanosPerTick() noexcept {
    static const double rate = measureNanosPerTick(g_tsc);
    return rate;
}

} // namespace coroscope
