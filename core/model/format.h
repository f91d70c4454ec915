#pragma once

#include "model/taskstate.h"

#include <QString>

#include <chrono>
#include <cstdint>
#include <optional>

namespace coroscope {

/// "850 µs", "12.3 ms", "300 ms", "1.25 s", "2 min 5 s": durations as a reader wants them.
QString formatDuration(std::int64_t nanos);
/// "512 B", "1.5 KiB", "64.0 MiB".
QString formatBytes(double bytes);

/// "500ms", "10s", "2m", "1h", "250us" (a bare number is seconds); nullopt if malformed.
std::optional<std::chrono::nanoseconds> parseDuration(const QString& text);
/// "1048576", "512KiB", "64MiB", "2GiB" (also K/M/G and KB/MB/GB, all powers of 1024).
std::optional<std::int64_t> parseBytes(const QString& text);

/// `text` fit for a terminal: control characters (C0 but newline and tab, DEL, C1) as "\x1b",
/// and the bidirectional controls that can make a line read differently from what it holds
/// (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069) as "\u202e". A NUL becomes "\x00", so a
/// name holding one no longer cuts off what is printed after it. Sessions keep the exact text.
QString escapeForTerminal(const QString& text);

/// "completed", "suspended": a task state as reports and views spell it.
inline QString taskStateLabel(TaskState state) {
    const std::string_view name = taskStateName(state);
    return QString::fromLatin1(name.data(), qsizetype(name.size()));
}

} // namespace coroscope
