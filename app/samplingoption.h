#pragma once

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QString>

#include <chrono>
#include <optional>

namespace coroscope::app {

/// `--sample-rate HZ`, as `run` and `launch` take it: the CPU profile's samples per second of the
/// loop thread's CPU time (default 1000; 0 or "off" turns the profile off).
QCommandLineOption sampleRateOption();

/// Reads it into `interval` (0: off); the error names the option and the value.
std::optional<QString> readSampleRate(const QCommandLineParser& parser, const QCommandLineOption& option,
                                      std::chrono::microseconds& interval);

} // namespace coroscope::app
