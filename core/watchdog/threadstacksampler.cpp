#include "watchdog/threadstacksampler.h"

#include "watchdog/signalcontext.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <execinfo.h>
#include <mutex>
#include <thread>
#include <ucontext.h>
#include <unistd.h>

namespace coroscope {
namespace {

// Frames above the interrupted one: the handler itself and the kernel's sigreturn trampoline
// (__restore_rt). Room for a few more in case a libc or sanitizer wrapper sits in between.
constexpr int HandlerFrameSlack = 8;

// The handler's mailbox. Static because a signal handler cannot reach any object; one capture
// is in flight per process (g_captureMutex), which is what makes static storage sufficient.
//
// Protocol: capture() publishes a new sequence number in `requested` and signals the target.
// The handler takes `writerBusy` (try-lock, never waits), serves the request only if nobody
// has served it yet (`served`), writes the frames and finally publishes the sequence number in
// `answered` with release order. capture() accepts only its own sequence number, so a late
// answer to a request that timed out is never mistaken for the next one, and `writerBusy`
// keeps two late handlers (on two different threads) from writing the storage at once.
struct Mailbox {
    std::atomic<std::uint64_t> requested{0};
    std::atomic<std::uint64_t> served{0};
    std::atomic<std::uint64_t> answered{0};
    std::atomic<bool> writerBusy{false};
    std::atomic<pthread_t> target{};
    std::atomic<int> frameCount{0};
    std::uintptr_t interruptedPc = 0; // from the ucontext; 0 when the architecture is unknown
    std::array<void*, ThreadStackSampler::MaxFrames + HandlerFrameSlack> frames{};
};

Mailbox g_mailbox;
std::timed_mutex g_captureMutex;
struct sigaction g_previousAction;

static_assert(std::atomic<pthread_t>::is_always_lock_free, "the handler must not take locks");
static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "the handler must not take locks");

// A SIGUSR2 that is not ours (kill -USR2 from outside, another process) goes to whatever handler
// was installed before us, so we do not steal the signal from it. Our own pthread_kill()s that
// arrive after their request was served (a duplicate after a timeout) are dropped here.
void forwardToPrevious(int signo, siginfo_t* info, void* context) {
    if (info && info->si_code == SI_TKILL && info->si_pid == ::getpid())
        return;
    if (g_previousAction.sa_flags & SA_SIGINFO) {
        if (g_previousAction.sa_sigaction)
            g_previousAction.sa_sigaction(signo, info, context);
    } else if (g_previousAction.sa_handler != SIG_DFL && g_previousAction.sa_handler != SIG_IGN) {
        g_previousAction.sa_handler(signo);
    }
}

void onSampleSignal(int signo, siginfo_t* info, void* context) {
    const int savedErrno = errno;
    Mailbox& m = g_mailbox;
    const std::uint64_t seq = m.requested.load(std::memory_order_acquire);
    if (seq == m.served.load(std::memory_order_relaxed) ||
        !pthread_equal(m.target.load(std::memory_order_relaxed), pthread_self())) {
        forwardToPrevious(signo, info, context);
    } else if (!m.writerBusy.exchange(true, std::memory_order_acquire)) {
        // Re-check under the writer flag: a handler on another thread may have served it.
        if (m.served.load(std::memory_order_relaxed) != seq) {
            m.served.store(seq, std::memory_order_relaxed);
            m.interruptedPc = interruptedPc(context);
            const int n = ::backtrace(m.frames.data(), int(m.frames.size()));
            m.frameCount.store(n, std::memory_order_relaxed);
            m.answered.store(seq, std::memory_order_release);
        }
        m.writerBusy.store(false, std::memory_order_release);
    }
    errno = savedErrno;
}

void installHandlerOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        // The first backtrace() dlopens libgcc_s and mallocs; do it here, not in the handler.
        void* warm[4];
        (void)::backtrace(warm, 4);

        struct sigaction action;
        std::memset(&action, 0, sizeof action);
        action.sa_sigaction = &onSampleSignal;
        action.sa_flags = SA_RESTART | SA_SIGINFO;
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGUSR2, &action, &g_previousAction);
    });
}

// Index of the interrupted frame in the handler's backtrace. libgcc's unwinder steps through
// __restore_rt using the saved ucontext and reports the interrupted instruction pointer
// exactly, so matching it against the ucontext's PC finds the boundary whatever the number of
// handler frames (2 on x86-64 glibc: onSampleSignal, __restore_rt). -1 if it is not there.
int interruptedFrameIndex(const Mailbox& m, int count) {
    if (m.interruptedPc == 0)
        return -1;
    for (int i = 1; i < count; ++i) {
        if (std::uintptr_t(m.frames[std::size_t(i)]) == m.interruptedPc)
            return i;
    }
    return -1;
}

} // namespace

ThreadStackSampler::ThreadStackSampler()
    : m_target(pthread_self()) {
    installHandlerOnce();
}

std::vector<std::uintptr_t> ThreadStackSampler::capture(std::chrono::milliseconds timeout) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    std::unique_lock lock(g_captureMutex, std::defer_lock);
    if (!lock.try_lock_until(deadline))
        return {};

    Mailbox& m = g_mailbox;
    m.target.store(m_target, std::memory_order_relaxed);
    const std::uint64_t seq = m.requested.load(std::memory_order_relaxed) + 1;
    m.requested.store(seq, std::memory_order_release);
    if (::pthread_kill(m_target, SIGUSR2) != 0)
        return {};

    // Poll rather than block: waking a std::condition_variable (or std::atomic::notify, which
    // may take a lock) from a signal handler is not async-signal-safe. The handler starts ~20 µs
    // after pthread_kill and runs ~5 µs, so the first polls find the answer; sleeping rather
    // than spinning leaves the CPU to the target on a 2-core machine.
    while (m.answered.load(std::memory_order_acquire) != seq) {
        if (Clock::now() >= deadline)
            return {};
        std::this_thread::sleep_for(std::chrono::microseconds(20));
    }

    const int count = m.frameCount.load(std::memory_order_relaxed);
    std::vector<std::uintptr_t> pcs;
    int first = interruptedFrameIndex(m, count);
    if (first < 0 && m.interruptedPc != 0) {
        // The unwinder did not get through the signal frame: the interrupted PC is all we know.
        pcs.push_back(m.interruptedPc);
        return pcs;
    }
    if (first < 0) // no ucontext decoding for this architecture: assume handler + trampoline
        first = std::min(count, 2);
    const int n = std::min(count - first, MaxFrames);
    pcs.reserve(std::size_t(n));
    for (int i = first; i < first + n; ++i)
        pcs.push_back(std::uintptr_t(m.frames[std::size_t(i)]));
    return pcs;
}

} // namespace coroscope
