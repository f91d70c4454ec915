#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace coroscope {

/// A crash of the loop thread the runner could still report.
struct LoopCrash {
    int signal = 0;
    std::uintptr_t faultAddress = 0;
    /// The fault was at the end of the loop thread's stack: a recursion too deep for it.
    bool stackOverflow = false;
    std::vector<std::uintptr_t> pcs; ///< the native stack as the handler found it, innermost first
};

/// Catches a crash of the loop thread (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) so that the run
/// still ends with its session finished and the cause named, not as an "unfinished" session with
/// nothing printed. The handler runs on an alternate stack (a stack overflow leaves none), keeps
/// the signal, the faulting address and the native stack, and parks the thread for good; the
/// runner's guard finishes the session from its own thread (workloadguard.cpp). A crash of any
/// other thread keeps the default action: the guard may be the one that crashed.
class CrashCatcher {
public:
    /// Installs the handlers for the calling thread, the loop's. One at a time per process.
    CrashCatcher();
    ~CrashCatcher();
    CrashCatcher(const CrashCatcher&) = delete;
    CrashCatcher& operator=(const CrashCatcher&) = delete;

    /// The crash, once the loop thread has parked in the handler. From any thread.
    static std::optional<LoopCrash> crash();
};

} // namespace coroscope
