#include "samplingoption.h"

namespace coroscope::app {
namespace {
// Above this the signal handler's 4-6 µs per sample would cost the loop several percent.
constexpr int kMaxRateHz = 10'000;
} // namespace

QCommandLineOption sampleRateOption() {
    return QCommandLineOption(QStringLiteral("sample-rate"),
                              QStringLiteral("CPU profile: samples per second of the loop thread's CPU time "
                                             "(default 1000, at most %1; 0 or off: no CPU profile).")
                                  .arg(kMaxRateHz),
                              QStringLiteral("HZ"));
}

std::optional<QString> readSampleRate(const QCommandLineParser& parser, const QCommandLineOption& option,
                                      std::chrono::microseconds& interval) {
    if (!parser.isSet(option))
        return std::nullopt;
    const QString text = parser.value(option).trimmed();
    if (text == QLatin1String("off")) {
        interval = std::chrono::microseconds(0);
        return std::nullopt;
    }
    bool ok = false;
    const int hz = text.toInt(&ok);
    if (!ok || hz < 0 || hz > kMaxRateHz)
        return QStringLiteral("--sample-rate: '%1' is not a rate from 0 to %2 (samples per second) or off")
            .arg(parser.value(option))
            .arg(kMaxRateHz);
    interval = std::chrono::microseconds(hz == 0 ? 0 : 1'000'000 / hz);
    return std::nullopt;
}

} // namespace coroscope::app
