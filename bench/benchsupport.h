#pragma once

// Helpers the benchmarks share (bench/overhead, bench/script_bench).

#include <QCoreApplication>
#include <QFile>
#include <QList>
#include <QProcess>
#include <QProcessEnvironment>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace coroscope::bench {

/// CPU the whole machine spent busy and what the hypervisor stole (/proc/stat), and this process
/// with its reaped children: the difference tells how loaded the machine was by others meanwhile.
struct MachineCpu {
    std::int64_t busyNs = 0;
    std::int64_t stealNs = 0;
    std::int64_t ownNs = 0; ///< this process and its reaped children

    static MachineCpu now() {
        MachineCpu m;
        QFile stat(QStringLiteral("/proc/stat"));
        if (stat.open(QIODevice::ReadOnly)) {
            // "cpu  user nice system idle iowait irq softirq steal guest guest_nice" (USER_HZ ticks)
            const QList<QByteArray> f = stat.readLine().simplified().split(' ');
            const double nsPerTick = 1e9 / double(::sysconf(_SC_CLK_TCK));
            auto ticks = [&](int i) { return f.value(i).toLongLong(); };
            m.busyNs = std::int64_t(double(ticks(1) + ticks(2) + ticks(3) + ticks(6) + ticks(7)) * nsPerTick);
            m.stealNs = std::int64_t(double(ticks(8)) * nsPerTick);
        }
        for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
            rusage u{};
            ::getrusage(who, &u);
            for (const timeval& t : {u.ru_utime, u.ru_stime})
                m.ownNs += std::int64_t(t.tv_sec) * 1'000'000'000 + std::int64_t(t.tv_usec) * 1'000;
        }
        return m;
    }
};

/// A child that measured, but whose run or the collector's view of it was wrong: its number is
/// kept and the whole run reports the failed check.
inline constexpr int kExitChecksFailed = 3;

/// What one child printed on stdout (its numbers), and whether its checks failed.
struct ChildOutcome {
    std::vector<double> values;
    bool checksFailed = false;
};

/// Runs this binary (or `program`, a build of the same bench) as `--child MODE` in a fresh process
/// (QT_NO_GLIB=1 if `unixDispatcher`: Qt picks its dispatcher when the application object is created, so only
/// a fresh process's environment can switch it). Passes the child's stderr on, prefixed, each line also to
/// `onStderrLine`. Nothing (the reason on stderr) if it did not start or finish, crashed, exited
/// with a code other than 0 or kExitChecksFailed, or printed no positive number.
inline std::optional<ChildOutcome> runChild(const char* bench, const char* mode, bool unixDispatcher, int run,
                                            const std::function<void(const QByteArray&)>& onStderrLine = {},
                                            const QString& program = {}) {
    constexpr int kChildTimeoutMs = 300'000;
    QProcess child;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (unixDispatcher)
        env.insert(QStringLiteral("QT_NO_GLIB"), QStringLiteral("1"));
    else
        env.remove(QStringLiteral("QT_NO_GLIB"));
    child.setProcessEnvironment(env);
    child.start(program.isEmpty() ? QCoreApplication::applicationFilePath() : program,
                QStringList{QStringLiteral("--child"), QString::fromLatin1(mode)});
    const char* variant = unixDispatcher ? " (unix dispatcher)" : "";
    if (!child.waitForStarted()) {
        // e.g. the binary is being relinked by a build running beside the benchmark
        std::fprintf(stderr, "%s: child %s%s could not start: %s\n", bench, mode, variant,
                     qPrintable(child.errorString()));
        return std::nullopt;
    }
    const bool finished = child.waitForFinished(kChildTimeoutMs);
    for (const QByteArray& line : child.readAllStandardError().split('\n')) {
        if (line.isEmpty())
            continue;
        if (onStderrLine)
            onStderrLine(line);
        std::fprintf(stderr, "# %s%s run %d: %s\n", mode, variant, run + 1, line.constData());
    }
    if (!finished) {
        child.kill();
        child.waitForFinished();
        std::fprintf(stderr, "%s: child %s%s did not finish\n", bench, mode, variant);
        return std::nullopt;
    }
    const int code = child.exitCode();
    if (child.exitStatus() != QProcess::NormalExit || (code != 0 && code != kExitChecksFailed)) {
        std::fprintf(stderr, "%s: child %s%s failed (exit %d)\n", bench, mode, variant, code);
        return std::nullopt;
    }
    ChildOutcome outcome;
    outcome.checksFailed = code == kExitChecksFailed;
    for (const QByteArray& field : child.readAllStandardOutput().simplified().split(' ')) {
        bool ok = false;
        const double value = field.toDouble(&ok);
        if (ok)
            outcome.values.push_back(value);
    }
    if (outcome.values.empty() || outcome.values.front() <= 0) {
        std::fprintf(stderr, "%s: child %s%s printed no measurement\n", bench, mode, variant);
        return std::nullopt;
    }
    return outcome;
}

/// Prints foreign_cpu_cores (average cores other processes used meanwhile: well above 0, the
/// timings are suspect) and steal_cpu_cores (taken by the hypervisor).
inline void printMachineLoad(const MachineCpu& start, const MachineCpu& end, double wallNs) {
    const double foreignNs = double((end.busyNs - start.busyNs) - (end.ownNs - start.ownNs));
    std::printf("foreign_cpu_cores: %.2f\n", std::max(0.0, foreignNs) / wallNs);
    std::printf("steal_cpu_cores: %.2f\n", double(end.stealNs - start.stealNs) / wallNs);
}

/// Median of `v` (0 when empty).
inline double median(std::vector<double> v) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// Counts finished workers; the last one stamps the end time and stops the loop.
struct Countdown {
    explicit Countdown(int count)
        : remaining(count) {}
    void done() {
        if (--remaining == 0) {
            end = std::chrono::steady_clock::now();
            QCoreApplication::quit();
        }
    }
    int remaining;
    std::chrono::steady_clock::time_point end;
};

/// One child variant of a benchmark: `BENCH --child NAME ...` runs it in a fresh process.
struct ChildMode {
    const char* name;
    int (*run)(int, char**);
};

/// A benchmark's main(): `--child MODE ...` runs that child; otherwise `[--repetitions N]` sets
/// `repetitions` and the parent runs (under a QCoreApplication). `childUsage`: more usage lines.
template <std::size_t N>
int benchMain(const char* bench, int argc, char** argv, const ChildMode (&modes)[N], int& repetitions,
              int (*runParent)(), const char* childUsage = "") {
    if (argc >= 3 && std::strcmp(argv[1], "--child") == 0) {
        for (const ChildMode& mode : modes)
            if (std::strcmp(argv[2], mode.name) == 0)
                return mode.run(argc, argv);
        std::fprintf(stderr, "%s: unknown child mode '%s'\n", bench, argv[2]);
        return 2;
    }
    if (argc == 3 && std::strcmp(argv[1], "--repetitions") == 0)
        repetitions = std::max(1, std::atoi(argv[2]));
    else if (argc != 1) {
        std::fprintf(stderr, "usage: %s [--repetitions N]   (default %d)\n%s", bench, repetitions,
                     childUsage);
        return 2;
    }
    QCoreApplication app(argc, argv);
    return runParent();
}

} // namespace coroscope::bench
