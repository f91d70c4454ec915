#include "clock.h"

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

struct Calibration {
    bool tsc = false;
    double nanosPerTick = 1.0;
    Clock::Ticks origin = 0;

    Calibration() {
        tsc = cpuHasInvariantTsc() && !steadyClockForced();
        if (tsc) {
#if defined(__x86_64__) || defined(__i386__)
            // Measure the TSC rate against steady_clock over ~20 ms.
            using namespace std::chrono;
            const auto wall0 = steady_clock::now();
            const auto tsc0 = __rdtsc();
            std::this_thread::sleep_for(20ms);
            const auto wall1 = steady_clock::now();
            const auto tsc1 = __rdtsc();
            nanosPerTick = double(duration_cast<nanoseconds>(wall1 - wall0).count()) / double(tsc1 - tsc0);
            origin = __rdtsc();
#endif
        } else {
            origin = Clock::Ticks(std::chrono::steady_clock::now().time_since_epoch().count());
        }
    }

    // COROSCOPE_CLOCK=steady forces the portable clock (for comparisons and odd hardware).
    static bool steadyClockForced() {
        const char* forced = std::getenv("COROSCOPE_CLOCK");
        return forced && std::string(forced) == "steady";
    }
};

const Calibration& calibration() {
    static const Calibration c;
    return c;
}

} // namespace

namespace detail {
extern const bool g_clockUsesTsc = calibration().tsc;
} // namespace detail

Clock::Ticks Clock::origin() noexcept {
    return calibration().origin;
}
void Clock::calibrate() noexcept {
    (void)calibration();
}
double Clock::nanosPerTick() noexcept {
    return calibration().nanosPerTick;
}

} // namespace coroscope
