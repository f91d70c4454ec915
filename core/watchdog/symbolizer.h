#pragma once

#include <QString>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

struct backtrace_state;

namespace coroscope {

/// One symbolized program counter.
///
/// Inlining rule: a PC inside inlined code belongs to several functions at once. The frame
/// names the innermost one (`function`, `file`, `line`: where the PC really is) and, when that
/// function was inlined, `inlinedInto` names the real (out-of-line) function that holds the
/// code with `inlinedIntoFile:inlinedIntoLine` being the line in it that starts the inlined
/// call chain. So a loop thread stuck in `std::this_thread::sleep_for` called from `work()`
/// reads "sleep_for (this_thread_sleep.h:82) [inlined into work() at worker.cpp:40]" and the
/// user's own line is never lost.
struct StackFrame {
    std::uintptr_t address = 0; ///< The PC as captured (not adjusted for return addresses).
    QString function;           ///< Demangled, at most Symbolizer::MaxFunctionLength chars.
    QString file;               ///< Full source path; empty without debug info.
    int line = 0;               ///< 0 without debug info.
    QString module;             ///< File name of the executable or shared library, no path.
    QString inlinedInto;        ///< Out-of-line function holding the code; empty if not inlined.
    QString inlinedIntoFile;
    int inlinedIntoLine = 0;
};

/// Resolves program counters to functions, source files and lines.
///
/// Uses libbacktrace, which reads the executable's DWARF directly (no -rdynamic needed, only
/// -g) and finds shared libraries through dl_iterate_phdr. Libraries without debug info (Qt,
/// libc on our machines) fall back to their ELF symbol table, then to dladdr(). The first
/// lookup loads the DWARF (90–150 ms for a Qt test binary), so warmUp() it off the loop thread.
/// Results are cached per address. Thread-safe.
class Symbolizer {
public:
    static constexpr int MaxFunctionLength = 512;

    static Symbolizer& instance();

    /// Loads the executable's debug info now rather than on the first stall. Concurrent callers
    /// wait for the one load instead of loading twice.
    void warmUp();
    /// True once warmUp() finished: lookups are then cheap (cached, or a few ms per new file).
    bool isWarm() const noexcept { return m_warm.load(std::memory_order_acquire); }

    /// `isReturnAddress`: the PC points after a call, so the line of the call is at pc - 1.
    StackFrame resolve(std::uintptr_t pc, bool isReturnAddress);

    /// Frame 0 is taken as exact (the interrupted instruction), the others as return addresses,
    /// which is what ThreadStackSampler::capture() returns. One StackFrame per PC.
    std::vector<StackFrame> resolve(const std::vector<std::uintptr_t>& pcs);

    /// One frame per line: "#0 function (file.cpp:123)", "#0 function (libQt6Core.so.6)" or
    /// "#0 0x7f... (module)", plus " [inlined into outer at file.cpp:40]" for inlined code.
    static QString format(const std::vector<StackFrame>& frames);

private:
    Symbolizer();
    StackFrame lookUp(std::uintptr_t pc, bool isReturnAddress);

    backtrace_state* m_state = nullptr; // created once, never freed (libbacktrace has no free)
    std::mutex m_cacheMutex;
    std::once_flag m_warmUpOnce;
    std::atomic<bool> m_warm{false};
    std::unordered_map<std::uintptr_t, StackFrame> m_cache[2]; // [isReturnAddress][pc]
};

} // namespace coroscope
