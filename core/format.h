#pragma once

#include <QString>

#include <cstdint>

namespace coroscope {

/// "850 µs", "12.3 ms", "300 ms", "1.25 s", "2 min 5 s": durations as a reader wants them.
QString formatDuration(std::int64_t nanos);
/// "512 B", "1.5 KiB", "64.0 MiB".
QString formatBytes(double bytes);

} // namespace coroscope
