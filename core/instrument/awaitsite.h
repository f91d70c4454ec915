#pragma once

namespace coroscope {

/// One place in the code where tasks await, and what they await there: `co_await` in a traced
/// C++ task (its file and line, from std::source_location) or a script's `yield` (its interned
/// "file.js:N" as `file`, line 0). Interned: one per distinct (kind, file, line) for the life of
/// the process, so a record can carry it as a pointer and the collector can key by it.
struct AwaitSite {
    const char* kind = "await"; ///< static string: "sleep", "task", "network", ...
    const char* file = nullptr; ///< static string; null: the await's place is unknown
    int line = 0;               ///< 0: `file` names the place whole (a script location)
};

/// The interned site for (kind, file, line); every argument of static storage. Lock-free on a
/// repeat (a per-thread cache in front of the process-wide table): a few ns per await.
const AwaitSite* internAwaitSite(const char* kind, const char* file, int line) noexcept;

} // namespace coroscope
