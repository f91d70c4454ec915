#include "format.h"

#include <cmath>

namespace coroscope {

QString formatDuration(std::int64_t nanos) {
    const double ns = double(nanos);
    const double magnitude = std::abs(ns);
    if (magnitude < 1e3)
        return QString::number(nanos) + QStringLiteral(" ns");
    if (magnitude < 1e6)
        return QString::number(ns / 1e3, 'f', magnitude < 1e4 ? 1 : 0) + QStringLiteral(" µs");
    if (magnitude < 1e9)
        return QString::number(ns / 1e6, 'f', magnitude < 1e7 ? 2 : (magnitude < 1e8 ? 1 : 0)) +
               QStringLiteral(" ms");
    if (magnitude < 60e9)
        return QString::number(ns / 1e9, 'f', 2) + QStringLiteral(" s");
    const auto seconds = std::int64_t(ns / 1e9);
    return QString::number(seconds / 60) + QStringLiteral(" min ") + QString::number(seconds % 60) +
           QStringLiteral(" s");
}

QString formatBytes(double bytes) {
    const double magnitude = std::abs(bytes);
    if (magnitude < 1024)
        return QString::number(bytes, 'f', 0) + QStringLiteral(" B");
    if (magnitude < 1024.0 * 1024)
        return QString::number(bytes / 1024, 'f', 1) + QStringLiteral(" KiB");
    if (magnitude < 1024.0 * 1024 * 1024)
        return QString::number(bytes / (1024.0 * 1024), 'f', 1) + QStringLiteral(" MiB");
    return QString::number(bytes / (1024.0 * 1024 * 1024), 'f', 2) + QStringLiteral(" GiB");
}

} // namespace coroscope
