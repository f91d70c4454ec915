#pragma once

// Helpers the benchmarks share (bench/overhead, bench/script_bench).

#include <QFile>
#include <QList>

#include <algorithm>
#include <cstdint>
#include <cstdio>
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

} // namespace coroscope::bench
