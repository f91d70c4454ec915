#include "runner/threadfreeze.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>
#include <unistd.h>

namespace coroscope {
namespace {

std::atomic<bool> g_frozen{false};

extern "C" void onFreezeSignal(int) {
    g_frozen.store(true);
    for (;;)
        ::pause(); // async-signal-safe; any other signal returns here and waits again
}

int freezeSignal() {
    return SIGRTMIN + 3; // realtime: never coalesced with, nor mistaken for, a signal Qt uses
}

} // namespace

bool freezeThread(pthread_t thread, std::chrono::milliseconds wait) {
    struct sigaction action {};
    action.sa_handler = &onFreezeSignal;
    sigemptyset(&action.sa_mask);
    ::sigaction(freezeSignal(), &action, nullptr);
    if (::pthread_kill(thread, freezeSignal()) != 0)
        return false;
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (!g_frozen.load() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return g_frozen.load();
}

void exitAfter(std::chrono::milliseconds delay, int code) {
    std::thread([delay, code] {
        std::this_thread::sleep_for(delay);
        static const char message[] = "coroscope: the run could not be finished in time; exiting\n";
        [[maybe_unused]] const auto written = ::write(STDERR_FILENO, message, sizeof message - 1);
        ::_exit(code);
    }).detach();
}

} // namespace coroscope
