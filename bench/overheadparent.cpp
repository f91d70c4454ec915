// bench/overhead's parent: runs the children of overhead.cpp in adjacent raw/instrumented pairs and
// prints the figures (see overhead.cpp for the method).
#include "benchsupport.h"
#include "instrument/awaitsite.h"
#include "overhead.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

namespace coroscope::bench::overhead {
namespace {

using SteadyClock = std::chrono::steady_clock;

double nanosBetween(SteadyClock::time_point from, SteadyClock::time_point to) {
    return double(std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count());
}

/// Every instrumented child's warm-up (watchdog ready), in ms.
std::vector<double> g_warmupsMs;

/// What the CPU sampler's signal handler cost a sampled child (its "sample_handler" line).
struct HandlerCost {
    double stacks = 0;
    double frames = 0;
    double ns = 0;
};
std::optional<HandlerCost> g_lastHandler; ///< of the child run last
std::vector<HandlerCost> g_switchHandlers;
std::vector<double> g_switchHandlerShares; ///< handler time / the child's workload time

std::optional<ChildOutcome> runChild(const char* mode, bool unixDispatcher, int run) {
    g_lastHandler.reset();
    return coroscope::bench::runChild("overhead", mode, unixDispatcher, run, [](const QByteArray& line) {
        if (line.startsWith("warmup_ms "))
            g_warmupsMs.push_back(line.mid(10).toDouble());
        if (const QList<QByteArray> f = line.split(' '); f.size() == 4 && f[0] == "sample_handler")
            g_lastHandler = HandlerCost{f[1].toDouble(), f[2].toDouble(), f[3].toDouble()};
    });
}

struct PairRuns {
    std::vector<double> raw;
    std::vector<double> traced;
    double rawMin() const { return *std::min_element(raw.begin(), raw.end()); }
    double tracedMin() const { return *std::min_element(traced.begin(), traced.end()); }
    /// Median of traced/raw over adjacent pairs: the headline figure.
    double pairRatio() const {
        std::vector<double> ratios;
        for (std::size_t i = 0; i < raw.size() && i < traced.size(); ++i)
            ratios.push_back(traced[i] / raw[i]);
        return median(ratios);
    }
    /// Median of traced - raw over adjacent pairs, in ns.
    double pairDifference() const {
        std::vector<double> differences;
        for (std::size_t i = 0; i < raw.size() && i < traced.size(); ++i)
            differences.push_back(traced[i] - raw[i]);
        return median(differences);
    }
    double rawMedian() const { return median(raw); }
    double tracedMedian() const { return median(traced); }
};

/// g_repetitions runs of each variant, alternating; the order flips every repetition so that a
/// drift in machine load does not always favour the same variant.
std::optional<PairRuns> measurePair(const char* rawMode, const char* tracedMode, bool unixDispatcher,
                                    bool& checksFailed) {
    PairRuns runs;
    for (int rep = 0; rep < g_repetitions; ++rep) {
        for (int k = 0; k < 2; ++k) {
            const bool traced = (k == 0) == (rep % 2 == 1);
            const auto outcome = runChild(traced ? tracedMode : rawMode, unixDispatcher, rep);
            if (!outcome)
                return std::nullopt;
            checksFailed |= outcome->checksFailed;
            (traced ? runs.traced : runs.raw).push_back(outcome->values.front());
            if (traced && g_lastHandler && std::strcmp(tracedMode, "sampled-switch") == 0) {
                g_switchHandlers.push_back(*g_lastHandler);
                g_switchHandlerShares.push_back(g_lastHandler->ns / outcome->values.front());
            }
        }
    }
    return runs;
}

void printRuns(const char* name, const std::vector<double>& ns, double divisor) {
    std::printf("%s:", name);
    for (double v : ns)
        std::printf(" %.1f", v / divisor);
    std::printf("\n");
}

/// What the await-site profile adds on the loop thread per suspension: the lookup of the interned
/// site in the per-thread cache (the timing itself is the collector's). The sites a program
/// cycles through: here 64 of them, as a loop awaiting at a few dozen places does.
double awaitSiteNanos() {
    constexpr int kSites = 64;
    constexpr int kRounds = 200'000;
    static const char* const kFile = "bench.cpp";
    const AwaitSite* sink = nullptr;
    for (int line = 1; line <= kSites; ++line) // the first lookup of each takes the lock
        sink = internAwaitSite("sleep", kFile, line);
    const auto start = SteadyClock::now();
    for (int round = 0; round < kRounds; ++round)
        for (int line = 1; line <= kSites; ++line) {
            sink = internAwaitSite("sleep", kFile, line);
            asm volatile("" : : "r"(sink) : "memory");
        }
    return nanosBetween(start, SteadyClock::now()) / (double(kRounds) * kSites);
}

} // namespace

int runParent() {
    bool checksFailed = false;
    const MachineCpu cpuStart = MachineCpu::now();
    const auto wallStart = SteadyClock::now();
    // The runner uses the Unix dispatcher (QT_NO_GLIB=1): its figures are the headline; glib,
    // Qt's default and the GUI's, is printed beside them.
    const auto switches = measurePair("raw-switch", "traced-switch", true, checksFailed);
    const auto switchesGlib = measurePair("raw-switch", "traced-switch", false, checksFailed);
    const auto unixLoop = measurePair("raw-dispatch", "traced-dispatch", true, checksFailed);
    const auto glib = measurePair("raw-dispatch", "traced-dispatch", false, checksFailed);
    const auto glibThreads = measurePair("raw-dispatch", "raw-threaded-dispatch", false, checksFailed);
    const auto bytes = runChild("bytes-per-task", false, 0);
    // The CPU profile's cost: traced with sampling on against traced with it off.
    const auto sampledSwitch = measurePair("unsampled-switch", "sampled-switch", true, checksFailed);
    const auto sampledCrunch = measurePair("unsampled-crunch", "sampled-crunch", true, checksFailed);
    const MachineCpu cpuEnd = MachineCpu::now();
    const double wallNs = nanosBetween(wallStart, SteadyClock::now());
    if (!switches || !switchesGlib || !glib || !unixLoop || !glibThreads || !bytes ||
        bytes->values.size() < 3 || !sampledSwitch || !sampledCrunch)
        return 1;
    checksFailed |= bytes->checksFailed;

    const double nsPerSecond = 1e9;
    std::printf("switch_raw_per_s: %.0f\n", double(kSwitches) * nsPerSecond / switches->rawMedian());
    std::printf("switch_traced_per_s: %.0f\n", double(kSwitches) * nsPerSecond / switches->tracedMedian());
    std::printf("switch_overhead_ratio: %.3f\n", switches->pairRatio());
    std::printf("switch_overhead_ratio_min: %.3f\n", switches->tracedMin() / switches->rawMin());
    std::printf("ns_per_traced_switch: %.1f\n", switches->pairDifference() / double(kSwitches));
    std::printf("switch_overhead_ratio_glib: %.3f\n", switchesGlib->pairRatio());
    std::printf("dispatch_raw_ns: %.1f\n", unixLoop->rawMedian() / double(kDispatches));
    std::printf("dispatch_traced_ns: %.1f\n", unixLoop->tracedMedian() / double(kDispatches));
    std::printf("dispatch_overhead_ratio: %.3f\n", unixLoop->pairRatio());
    std::printf("dispatch_overhead_ratio_min: %.3f\n", unixLoop->tracedMin() / unixLoop->rawMin());
    std::printf("ns_per_timed_dispatch: %.1f\n", unixLoop->pairDifference() / double(kDispatches));
    std::printf("dispatch_raw_ns_glib: %.1f\n", glib->rawMedian() / double(kDispatches));
    std::printf("dispatch_traced_ns_glib: %.1f\n", glib->tracedMedian() / double(kDispatches));
    std::printf("dispatch_overhead_ratio_glib: %.3f\n", glib->pairRatio());
    std::printf("ns_per_timed_dispatch_glib: %.1f\n", glib->pairDifference() / double(kDispatches));
    std::printf("glib_cost_of_one_idle_thread_ratio: %.3f\n", glibThreads->pairRatio());
    std::printf("cpu_sampling_switch_ratio: %.3f\n", sampledSwitch->pairRatio());
    std::printf("cpu_sampling_switch_ratio_min: %.3f\n",
                sampledSwitch->tracedMin() / sampledSwitch->rawMin());
    // The part of that cost the sampler controls, measured on the loop itself: the handler's time
    // per stack and its share of the workload (signal delivery and cache effects are not in it).
    double handlerNs = 0, handlerStacks = 0, handlerFrames = 0;
    for (const HandlerCost& h : g_switchHandlers) {
        handlerNs += h.ns;
        handlerStacks += h.stacks;
        handlerFrames += h.frames;
    }
    std::printf("cpu_sample_handler_us: %.2f\n", handlerStacks > 0 ? handlerNs / handlerStacks / 1e3 : 0.0);
    std::printf("cpu_sample_frames: %.1f\n", handlerStacks > 0 ? handlerFrames / handlerStacks : 0.0);
    std::printf("cpu_sample_handler_share: %.4f\n", median(g_switchHandlerShares));
    std::printf("cpu_sampling_crunch_ratio: %.3f\n", sampledCrunch->pairRatio());
    std::printf("cpu_sampling_crunch_ratio_min: %.3f\n",
                sampledCrunch->tracedMin() / sampledCrunch->rawMin());
    std::printf("crunch_unsampled_ms: %.1f\n", sampledCrunch->rawMedian() / 1e6);
    std::printf("await_site_ns: %.1f\n", awaitSiteNanos());
    std::sort(g_warmupsMs.begin(), g_warmupsMs.end());
    std::printf("profiler_warmup_ms: %.0f\n",
                g_warmupsMs.empty() ? 0.0 : g_warmupsMs[g_warmupsMs.size() / 2]);
    std::printf("bytes_per_finished_task: %.0f\n", bytes->values[0]);
    std::printf("bytes_per_finished_task_marginal: %.0f\n", bytes->values[1]);
    std::printf("bytes_per_finished_task_with_startup: %.0f\n", bytes->values[2]);
    // Every run, so the spread is visible next to the minima.
    const double nsPerMs = 1e6;
    printRuns("switch_raw_runs_ms", switches->raw, nsPerMs);
    printRuns("switch_traced_runs_ms", switches->traced, nsPerMs);
    printRuns("dispatch_raw_runs_ms", unixLoop->raw, nsPerMs);
    printRuns("dispatch_traced_runs_ms", unixLoop->traced, nsPerMs);
    printRuns("dispatch_raw_runs_ms_glib", glib->raw, nsPerMs);
    printRuns("dispatch_traced_runs_ms_glib", glib->traced, nsPerMs);
    coroscope::bench::printMachineLoad(cpuStart, cpuEnd, wallNs);
    std::printf("checks: %s\n", checksFailed ? "FAILED (see stderr)" : "ok");
    return checksFailed ? 1 : 0;
}

} // namespace coroscope::bench::overhead
