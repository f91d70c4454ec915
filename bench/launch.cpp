// bench/launch: what `coroscope launch` costs an unmodified program. The raw QCoro switch pattern
// and the posted-event pattern (bench/launchpatterns/) run plain and under launch, in adjacent
// pairs in fresh processes, alternating which goes first; prints each rate and the median of the
// pairs' ratios (plain rate / launched rate: 1.0 is free). Asserts nothing.
//
//   launch_switch_overhead_ratio     target <= 1.10
//   launch_dispatch_overhead_ratio   target <= 1.15
//   launch_probe_rss_mib             the launched switch pattern's peak RSS minus the plain one's
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace {

struct Sample {
    double rate = 0;
    long peakRssKiB = 0;
};

/// Runs `args` and reads "KEY: RATE" and the program's own peak RSS from its output (under
/// launch, the program is launch's child: its own figure is the one to compare).
Sample runOnce(const QStringList& args, const QString& key) {
    QProcess p;
    p.start(args.front(), args.mid(1));
    p.waitForFinished(300'000);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    Sample s;
    const auto rate = QRegularExpression(key + QStringLiteral(": (\\d+)")).match(out);
    s.rate = rate.hasMatch() ? rate.captured(1).toDouble() : 0;
    const auto rss = QRegularExpression(QStringLiteral("peak_rss_kib: (\\d+)")).match(out);
    s.peakRssKiB = rss.hasMatch() ? rss.captured(1).toLong() : 0;
    return s;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

} // namespace

int main() {
    const QTemporaryDir dir;
    constexpr int kPairs = 5;
    const struct {
        const char* name;
        const char* program;
        const char* key;
    } patterns[] = {{"switch", COROSCOPE_SWITCH_PATTERN, "switches_per_s"},
                    {"dispatch", COROSCOPE_POSTED_PATTERN, "dispatches_per_s"}};
    for (const auto& pattern : patterns) {
        std::vector<double> ratios, plainRates, launchedRates;
        std::vector<double> rssDeltas;
        for (int i = 0; i < kPairs; ++i) {
            const QStringList plain{QString::fromLatin1(pattern.program)};
            const QStringList launched{QStringLiteral(COROSCOPE_BINARY),
                                       QStringLiteral("launch"),
                                       QStringLiteral("--session"),
                                       dir.filePath(QStringLiteral("bench-%1.coroscope").arg(i)),
                                       QStringLiteral("--"),
                                       QString::fromLatin1(pattern.program)};
            const QString key = QString::fromLatin1(pattern.key);
            Sample a, b;
            if (i % 2 == 0) {
                a = runOnce(plain, key);
                b = runOnce(launched, key);
            } else {
                b = runOnce(launched, key);
                a = runOnce(plain, key);
            }
            if (a.rate <= 0 || b.rate <= 0) {
                std::fprintf(stderr, "# %s: a run printed no rate\n", pattern.name);
                return 1;
            }
            plainRates.push_back(a.rate);
            launchedRates.push_back(b.rate);
            ratios.push_back(a.rate / b.rate);
            rssDeltas.push_back(double(b.peakRssKiB - a.peakRssKiB) / 1024);
        }
        std::printf("launch_%s_plain_per_s: %.0f\n", pattern.name, median(plainRates));
        std::printf("launch_%s_launched_per_s: %.0f\n", pattern.name, median(launchedRates));
        std::printf("launch_%s_overhead_ratio: %.3f (median of %d pairs)\n", pattern.name, median(ratios),
                    kPairs);
        std::printf("launch_%s_probe_rss_mib: %.1f (peak RSS launched minus plain, median pair)\n",
                    pattern.name, median(rssDeltas));
    }
    return 0;
}
