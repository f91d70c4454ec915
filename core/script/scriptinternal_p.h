#pragma once

// Helpers shared by the script runtime's files (scriptruntime.cpp, scriptdriver.cpp); not API.

#include <QRegularExpression>
#include <QString>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <utility>

namespace coroscope::script::detail {

/// The longest wait or spin a script may ask for (~31 years): `ms * 1000` stays far inside int64.
constexpr double kMaxScriptMs = 1e12;

inline std::chrono::steady_clock::time_point deadlineAfter(double ms) {
    return std::chrono::steady_clock::now() +
           std::chrono::microseconds(std::int64_t(std::clamp(ms, 0.0, kMaxScriptMs) * 1000));
}

// CPU work for burn() and offload(): spins on the calling thread for `ms`, or until `stop` turns
// true (the engine's own interrupt flag is never looked at while C++ runs).
inline void spinFor(double ms, const std::atomic<bool>& stop) {
    const auto end = deadlineAfter(ms);
    volatile std::uint64_t sink = 0;
    while (std::chrono::steady_clock::now() < end && !stop.load(std::memory_order_relaxed))
        for (int i = 0; i < 1000; ++i)
            sink = sink + std::uint64_t(i);
}

// time.sleep() for blockFor(): sleeps in slices of at most 5 ms so that `stop` ends it.
inline void sleepFor(double ms, const std::atomic<bool>& stop) {
    constexpr auto kSlice = std::chrono::milliseconds(5);
    const auto end = deadlineAfter(ms);
    for (auto now = std::chrono::steady_clock::now(); now < end && !stop.load(std::memory_order_relaxed);
         now = std::chrono::steady_clock::now())
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(end - now, kSlice));
}

/// "func@file:///home/x/work.js:12" -> ("/home/x/work.js", 12); "f@file:work.js:3" (a script given
/// by a relative path) -> ("work.js", 3)
inline std::pair<QString, int> parseFrame(const QString& frame) {
    static const QRegularExpression pattern(QStringLiteral("@(?:file:(?://)?)?(.*):(\\d+)$"));
    const QRegularExpressionMatch m = pattern.match(frame.trimmed());
    if (!m.hasMatch())
        return {QString(), 0};
    return {m.captured(1), m.captured(2).toInt()};
}

} // namespace coroscope::script::detail
