#pragma once

// Helpers shared by the script runtime's files (scriptruntime.cpp, scriptdriver.cpp); not API.

#include <QRegularExpression>
#include <QString>

#include <chrono>
#include <cstdint>
#include <utility>

namespace coroscope::script::detail {

// CPU work for burn() and offload(): spins on the calling thread for `ms`.
inline void spinFor(double ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(std::int64_t(ms * 1000));
    volatile std::uint64_t sink = 0;
    while (std::chrono::steady_clock::now() < end)
        for (int i = 0; i < 1000; ++i)
            sink = sink + std::uint64_t(i);
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
