#include "sampling/cpusampler.h"

#include "watchdog/signalcontext.h"
#include "watchdog/symbolizer.h"

#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <execinfo.h>
#include <fcntl.h>
#include <mutex>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

namespace coroscope {
namespace {

constexpr int kMaxFrames = 64;
constexpr int kHandlerSlack = 8;    // the handler's frames and the sigreturn trampoline
constexpr int kSigval = 0x43505553; // "CPUS": tells our requests from a foreign SIGPROF
// A second of samples at 1 kHz: the drain waits for the symbolizer's first load (100-300 ms).
constexpr std::size_t kRingSlots = 1024;
constexpr auto kDrainInterval = std::chrono::milliseconds(20);

struct Slot {
    std::int64_t tNs = 0;
    std::uint64_t task = 0;
    int eventType = CallingContextTree::kNoEvent;
    std::uint32_t weight = 0;
    int count = 0;
    std::uintptr_t interruptedPc = 0;
    std::array<void*, kMaxFrames + kHandlerSlack> frames{};
};

// Written by the handler on the loop thread, read by the sampler thread: single producer,
// single consumer, no locks (a signal handler may take none).
struct Ring {
    std::atomic<std::size_t> head{0}; ///< next slot the handler writes
    std::atomic<std::size_t> tail{0}; ///< next slot the sampler reads
    std::atomic<std::uint64_t> dropped{0};
    std::array<Slot, kRingSlots> slots;
};

Ring g_ring;
std::atomic<const LoopPublication*> g_loop{nullptr};
std::atomic<std::uint32_t> g_pendingWeight{0}; ///< samples the next stack stands for
std::atomic<bool> g_inFlight{false};           ///< a request is signalled and not yet served
std::atomic<bool> g_active{false};             ///< one sampler per process: the ring is static
struct sigaction g_previous;
// What capturing costs the loop (CpuSampler::handlerCost()): relaxed adds, by the handler only.
std::atomic<std::uint64_t> g_handlerStacks{0};
std::atomic<std::uint64_t> g_handlerFrames{0};
std::atomic<std::int64_t> g_handlerNs{0};

static_assert(std::atomic<std::size_t>::is_always_lock_free &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "the handler must not take locks");

void forwardToPrevious(int signo, siginfo_t* info, void* context) {
    if (g_previous.sa_flags & SA_SIGINFO) {
        if (g_previous.sa_sigaction)
            g_previous.sa_sigaction(signo, info, context);
    } else if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
        g_previous.sa_handler(signo);
    }
}

void onProfSignal(int signo, siginfo_t* info, void* context) {
    if (!info || info->si_code != SI_QUEUE || info->si_value.sival_int != kSigval ||
        info->si_pid != ::getpid()) {
        forwardToPrevious(signo, info, context);
        return;
    }
    const int savedErrno = errno;
    const std::uint32_t weight = g_pendingWeight.exchange(0, std::memory_order_acq_rel);
    const LoopPublication* loop = g_loop.load(std::memory_order_acquire);
    Ring& r = g_ring;
    const std::size_t head = r.head.load(std::memory_order_relaxed);
    if (weight == 0 || !loop) {
        // nothing owed (a late duplicate), or the sampler is gone
    } else if (head - r.tail.load(std::memory_order_acquire) >= kRingSlots) {
        r.dropped.fetch_add(weight, std::memory_order_relaxed);
    } else {
        Slot& s = r.slots[head % kRingSlots];
        s.tNs = Clock::nanosNow(); // the TSC or the vDSO's clock_gettime: async-signal-safe
        s.task = loop->runningTask.load(std::memory_order_relaxed);
        s.eventType = loop->dispatchStart.load(std::memory_order_relaxed) != 0
                          ? loop->eventType.load(std::memory_order_relaxed)
                          : CallingContextTree::kNoEvent;
        s.weight = weight;
        s.interruptedPc = interruptedPc(context);
        s.count = ::backtrace(s.frames.data(), int(s.frames.size()));
        r.head.store(head + 1, std::memory_order_release);
        g_handlerNs.fetch_add(Clock::nanosNow() - s.tNs, std::memory_order_relaxed);
        g_handlerStacks.fetch_add(1, std::memory_order_relaxed);
        g_handlerFrames.fetch_add(std::uint64_t(s.count), std::memory_order_relaxed);
    }
    g_inFlight.store(false, std::memory_order_release);
    errno = savedErrno;
}

void installHandlerOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        void* warm[4]; // the first backtrace() loads libgcc_s: not inside the handler
        (void)::backtrace(warm, 4);
        struct sigaction action;
        std::memset(&action, 0, sizeof action);
        action.sa_sigaction = &onProfSignal;
        action.sa_flags = SA_RESTART | SA_SIGINFO;
        sigemptyset(&action.sa_mask);
        sigaddset(&action.sa_mask, SIGUSR2); // the watchdog's capture waits for this one to end
        ::sigaction(SIGPROF, &action, &g_previous);
    });
}

} // namespace

CpuSampler::CpuSampler(const LoopPublication& loop, std::chrono::microseconds interval, std::size_t maxNodes)
    : m_loop(loop)
    , m_interval(interval)
    , m_tree(maxNodes)
    , m_target(pthread_self())
    , m_targetTid(pid_t(::syscall(SYS_gettid))) {
    m_haveCpuClock = pthread_getcpuclockid(m_target, &m_cpuClock) == 0;
    installHandlerOnce();
}

CpuSampler::~CpuSampler() {
    stop();
}

void CpuSampler::start() {
    if (m_thread.joinable() || m_interval.count() <= 0 || !m_haveCpuClock)
        return;
    bool expected = false;
    if (!g_active.compare_exchange_strong(expected, true))
        return; // another profiler in this process samples already
    g_ring.head.store(0);
    g_ring.tail.store(0);
    g_ring.dropped.store(0);
    g_pendingWeight.store(0);
    g_inFlight.store(false);
    g_loop.store(&m_loop, std::memory_order_release);
    m_thread = std::jthread([this](std::stop_token stop) {
        pthread_setname_np(pthread_self(), "coroscope-prof");
        run(stop);
    });
    // Symbolizing is not the ticker's job: the first lookup waits for the DWARF to load, and a
    // ticker that waited would sample nothing meanwhile.
    m_drainThread = std::jthread([this](std::stop_token stop) {
        pthread_setname_np(pthread_self(), "coroscope-psym");
        // Below the loop and the collector: on a machine with few cores, symbolizing a burst of
        // new stacks must take idle CPU, not the measured loop's (the ring holds a second).
        ::setpriority(PRIO_PROCESS, id_t(::syscall(SYS_gettid)), 10);
        std::mutex mutex;
        std::condition_variable_any wake;
        std::unique_lock lock(mutex);
        while (!stop.stop_requested()) {
            wake.wait_for(lock, stop, kDrainInterval, [] { return false; }); // woken early by stop
            // Not before the watchdog's warm-up has loaded the debug info: libbacktrace would
            // load it a second time on this thread, concurrently (~170 ms of CPU measured).
            if (Symbolizer::instance().isWarm())
                drain();
        }
    });
}

void CpuSampler::stop() {
    if (!m_thread.joinable())
        return;
    m_thread.request_stop();
    m_thread.join();
    m_drainThread.request_stop();
    m_drainThread.join();
    // A request still in flight is answered within microseconds, unless the loop thread is gone.
    for (int i = 0; i < 50 && g_inFlight.load(std::memory_order_acquire); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    g_loop.store(nullptr, std::memory_order_release);
    drain();
    g_active.store(false);
}

CpuSampler::HandlerCost CpuSampler::handlerCost() {
    return {g_handlerStacks.load(std::memory_order_relaxed), g_handlerFrames.load(std::memory_order_relaxed),
            g_handlerNs.load(std::memory_order_relaxed)};
}

std::int64_t CpuSampler::loopCpuNanos() const {
    timespec ts{};
    if (clock_gettime(m_cpuClock, &ts) != 0)
        return -1;
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

bool CpuSampler::loopIsRunning() const {
    // /proc/self/task/TID/stat: "tid (name) S ..."; the name may hold ')', so the last one counts.
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", int(m_targetTid));
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[256];
    const ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0)
        return false;
    buf[n] = 0;
    const char* close = std::strrchr(buf, ')');
    return close && close[1] == ' ' && close[2] == 'R';
}

void CpuSampler::run(std::stop_token stop) {
    const std::int64_t interval = std::chrono::nanoseconds(m_interval).count();
    std::int64_t lastCpu = loopCpuNanos();
    std::int64_t owed = 0;
    timespec next{};
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!stop.stop_requested()) {
        next.tv_nsec += long(interval);
        while (next.tv_nsec >= 1'000'000'000) {
            next.tv_nsec -= 1'000'000'000;
            ++next.tv_sec;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
        timespec now{};
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - next.tv_sec) * 1'000'000'000 + (now.tv_nsec - next.tv_nsec) > 10 * interval)
            next = now; // far behind (the machine is loaded): do not make up for it in a burst

        const std::int64_t cpu = loopCpuNanos();
        if (cpu < 0)
            break; // the loop thread is gone
        const std::int64_t delta = cpu - lastCpu;
        lastCpu = cpu;
        owed += delta;
        // A loop that used only part of this interval may be asleep by now: a signal would cut its
        // sleep short (EINTR) and sample the sleep. Then the sample waits until it runs again.
        if (owed >= interval && (delta >= interval / 2 || loopIsRunning())) {
            const auto weight = std::uint32_t(std::min<std::int64_t>(owed / interval, 1'000'000));
            owed -= std::int64_t(weight) * interval;
            g_pendingWeight.fetch_add(weight, std::memory_order_acq_rel);
            if (!g_inFlight.exchange(true, std::memory_order_acq_rel)) {
                sigval value{};
                value.sival_int = kSigval;
                if (pthread_sigqueue(m_target, SIGPROF, value) != 0)
                    g_inFlight.store(false);
            }
        }
    }
}

const std::vector<std::uint32_t>& CpuSampler::framesOf(std::uintptr_t pc, bool isReturnAddress) {
    auto& cache = m_frameCache[isReturnAddress ? 1 : 0];
    const auto found = cache.find(pc);
    if (found != cache.end())
        return found->second;
    const StackFrame f = Symbolizer::instance().resolve(pc, isReturnAddress);
    std::vector<std::uint32_t> ids;
    // A function without a symbol is its module's, as hotspot draws it: one box per module, not
    // one per address (a stripped library would otherwise scatter into thousands of frames).
    const QString function = !f.function.isEmpty() ? f.function
                             : !f.module.isEmpty() ? QStringLiteral("?? [%1]").arg(f.module)
                                                   // Code in no file's mapping: a JIT's (QML's V4
                                                   // engine), one box as perf's [unknown] is, not one
                                                   // per address.
                                                   : QStringLiteral("?? [anonymous code, JIT]");
    // Inlined code belongs to two functions: the caller, which is on the real stack, and the
    // inlined one, drawn inside it, as perf and hotspot do.
    if (!f.inlinedInto.isEmpty())
        ids.push_back(m_tree.frame(f.inlinedInto, f.module, f.inlinedIntoFile, f.inlinedIntoLine));
    ids.push_back(m_tree.frame(function, f.module, f.file, f.line));
    return cache.emplace(pc, std::move(ids)).first->second;
}

void CpuSampler::drain() {
    Ring& r = g_ring;
    if (const std::uint64_t dropped = r.dropped.exchange(0))
        m_tree.addDropped(dropped);
    std::size_t tail = r.tail.load(std::memory_order_relaxed);
    const std::size_t head = r.head.load(std::memory_order_acquire);
    for (; tail != head; ++tail) {
        const Slot& s = r.slots[tail % kRingSlots];
        // Skip the handler's own frames: the interrupted PC is where the loop's stack begins.
        int first = -1;
        for (int i = 1; i < s.count && s.interruptedPc != 0; ++i) {
            if (std::uintptr_t(s.frames[std::size_t(i)]) == s.interruptedPc) {
                first = i;
                break;
            }
        }
        m_path.clear();
        if (first < 0) {
            if (s.interruptedPc != 0) // the unwinder did not get through the signal frame
                m_path = framesOf(s.interruptedPc, false);
        } else {
            if (s.count == int(s.frames.size())) // deeper than we unwind: say so at the root
                m_path.push_back(
                    m_tree.frame(QStringLiteral("[deeper frames not captured]"), QString(), QString(), 0));
            for (int i = s.count - 1; i >= first; --i) {
                const auto& ids = framesOf(std::uintptr_t(s.frames[std::size_t(i)]), i != first);
                m_path.insert(m_path.end(), ids.begin(), ids.end());
            }
        }
        m_tree.add(s.task, s.eventType, s.weight, m_path, s.tNs);
    }
    r.tail.store(tail, std::memory_order_release);
}

} // namespace coroscope
