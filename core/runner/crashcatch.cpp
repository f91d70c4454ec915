#include "runner/crashcatch.h"

#include <array>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <execinfo.h>
#include <pthread.h>
#include <unistd.h>

namespace coroscope {
namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
constexpr std::size_t kAltStackBytes = 256 * 1024; // backtrace() through a deep stack needs room
constexpr std::size_t kOverflowSlack = 256 * 1024; // the guard page and the frame that missed it

// The handler's state: static, because a signal handler reaches no object.
pthread_t g_loop;
std::uintptr_t g_stackLow = 0;
std::array<void*, 128> g_pcs;
int g_pcCount = 0;
std::uintptr_t g_fault = 0;
std::atomic<int> g_signal{0};
std::atomic<bool> g_installed{false};
struct sigaction g_previous[std::size(kSignals)];

extern "C" void onCrash(int signal, siginfo_t* info, void*) {
    if (!pthread_equal(pthread_self(), g_loop) || g_signal.load() != 0) {
        // Not the loop, or a second crash while reporting the first: the default action (core).
        ::signal(signal, SIG_DFL);
        ::raise(signal);
        return;
    }
    g_fault = reinterpret_cast<std::uintptr_t>(info->si_addr);
    g_pcCount = ::backtrace(g_pcs.data(), int(g_pcs.size()));
    g_signal.store(signal);
    for (;;)
        ::pause(); // parked: the guard finishes the run and ends the process
}

} // namespace

CrashCatcher::CrashCatcher() {
    if (g_installed.exchange(true))
        return;
    g_loop = pthread_self();
    pthread_attr_t attributes;
    if (pthread_getattr_np(g_loop, &attributes) == 0) {
        void* low = nullptr;
        std::size_t size = 0; // the main thread's: the stack rlimit below its top
        pthread_attr_getstack(&attributes, &low, &size);
        g_stackLow = reinterpret_cast<std::uintptr_t>(low);
        pthread_attr_destroy(&attributes);
    }
    void* warm[4];
    (void)::backtrace(warm, 4); // the first call loads libgcc_s and allocates: not in the handler
    // Never freed: the handler may run until the process ends.
    static void* const altStack = std::malloc(kAltStackBytes);
    stack_t stack{};
    stack.ss_sp = altStack;
    stack.ss_size = kAltStackBytes;
    ::sigaltstack(&stack, nullptr);
    struct sigaction action {};
    action.sa_sigaction = &onCrash;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < std::size(kSignals); ++i)
        ::sigaction(kSignals[i], &action, &g_previous[i]);
}

CrashCatcher::~CrashCatcher() {
    if (!g_installed.load() || !pthread_equal(pthread_self(), g_loop))
        return;
    for (std::size_t i = 0; i < std::size(kSignals); ++i)
        ::sigaction(kSignals[i], &g_previous[i], nullptr);
    g_installed.store(false);
}

std::optional<LoopCrash> CrashCatcher::crash() {
    const int signal = g_signal.load();
    if (signal == 0)
        return std::nullopt;
    LoopCrash crash;
    crash.signal = signal;
    crash.faultAddress = g_fault;
    crash.stackOverflow = signal == SIGSEGV && g_stackLow != 0 && g_fault + kOverflowSlack >= g_stackLow &&
                          g_fault < g_stackLow + kOverflowSlack;
    // Frame 0 and 1 are the handler and the signal trampoline.
    for (int i = 2; i < g_pcCount; ++i)
        crash.pcs.push_back(reinterpret_cast<std::uintptr_t>(g_pcs[std::size_t(i)]));
    return crash;
}

} // namespace coroscope
