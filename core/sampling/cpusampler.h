#pragma once

#include "instrument/instrumentedthread.h"
#include "sampling/callingcontexttree.h"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <pthread.h>
#include <sys/types.h>
#include <thread>
#include <unordered_map>
#include <vector>

namespace coroscope {

/// Samples the measured loop thread's native stack while it uses the CPU, tags each stack with
/// the task and event being run (LoopPublication), and merges it into a CallingContextTree.
///
/// How: a thread of its own wakes every `interval` and reads the loop thread's CPU clock. Once
/// the loop has used one interval of CPU since the last sample, it signals the loop thread
/// (SIGPROF, through pthread_sigqueue so that a foreign SIGPROF is told apart), whose handler
/// unwinds with backtrace() into a lock-free ring and returns: ~0.7 µs per frame unwound (11–14 µs
/// for the 18 frames of a QCoro resume, measured by bench/overhead; handlerCost()). A third
/// thread drains the ring every 20 ms and symbolizes off the loop, through an address cache.
///
/// Why not a kernel timer: a CPU-time timer (timer_create on the thread's CPU clock) is checked
/// on the scheduler tick, 250 Hz on Debian's kernels: one stack per 4 ms whatever the interval.
/// A wall-clock timer would interrupt the loop while it sleeps. Here a thread that is idle, or
/// blocked in a syscall, is not interrupted at all (its CPU clock does not move), and a stack
/// stands for the CPU time since the previous one (its weight, in intervals), so the samples add
/// up to the loop thread's CPU time even when the sampler is late.
class CpuSampler {
public:
    /// Construct on the thread to be sampled.
    CpuSampler(const LoopPublication& loop, std::chrono::microseconds interval, std::size_t maxNodes);
    ~CpuSampler();
    CpuSampler(const CpuSampler&) = delete;
    CpuSampler& operator=(const CpuSampler&) = delete;

    void start();
    /// Stops sampling and merges the stacks still in the ring.
    void stop();

    std::chrono::microseconds interval() const noexcept { return m_interval; }

    /// What capturing stacks has cost the sampled threads of this process so far, in the signal
    /// handler itself (not the signal's delivery): stacks captured, frames unwound, time.
    struct HandlerCost {
        std::uint64_t stacks = 0;
        std::uint64_t frames = 0;
        std::int64_t ns = 0;
    };
    static HandlerCost handlerCost();
    CallingContextTree& tree() noexcept { return m_tree; }

private:
    void run(std::stop_token stop);
    std::int64_t loopCpuNanos() const;
    bool loopIsRunning() const;
    void drain();
    /// Frame ids for one program counter, outermost first (an inlined call adds its caller).
    const std::vector<std::uint32_t>& framesOf(std::uintptr_t pc, bool isReturnAddress);

    const LoopPublication& m_loop;
    std::chrono::microseconds m_interval;
    CallingContextTree m_tree;
    pthread_t m_target;
    pid_t m_targetTid;
    clockid_t m_cpuClock{};
    bool m_haveCpuClock = false;
    std::unordered_map<std::uintptr_t, std::vector<std::uint32_t>> m_frameCache[2];
    std::vector<std::uint32_t> m_path;
    std::jthread m_thread;      ///< the ticker: reads the CPU clock, signals the loop
    std::jthread m_drainThread; ///< empties the ring, symbolizes, merges into the tree
};

} // namespace coroscope
