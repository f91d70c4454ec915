// bench/spawn: what one spawn costs with 1 000 tasks alive against with LIVE (default 1 000 000)
// alive, under `coroscope run` as a user runs it. A spawn must cost the same however many tasks
// live: the ratio is the figure (printed, never asserted: times depend on the machine).
//
// Each spawn's memory is memory the process touches for the first time, and what the kernel
// asks for a fresh page depends on the machine and on how much the process holds already. So the
// bench also times first touches of fresh pages in its own process, at a small footprint and at
// the footprint the LIVE run reached: `page_touch_ratio` is the part of the spawn ratio that no
// code of ours pays.
//
//   ./build/dev/bench/spawn_bench [LIVE]
#include <QCoreApplication>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <chrono>
#include <cstdio>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr int kSpawns = 20'000;

const char* const kScript = R"JS(
function* idle() { yield sleep(3600000); }
function* main() {
    const live = Number(params.live);
    for (let i = 0; i < live; ++i) { spawn(idle); if (i % 10000 === 0) yield sleep(0); }
    yield sleep(10);
    log('ready'); // the bench reads the loop thread's page faults now ...
    yield sleep(1000);
    const t = now();
    for (let i = 0; i < Number(params.spawns); ++i) spawn(idle);
    log('spawned in', now() - t); // ... and now
    yield sleep(1000);
}
)JS";

/// What the loop thread of a runner has cost so far, from /proc/PID/task/PID/stat.
struct ThreadCost {
    std::uint64_t minorFaults = 0; // first touches of fresh pages, mostly
    double userNs = 0;
    double kernelNs = 0; // page faults, mostly

    static ThreadCost of(qint64 pid) {
        QFile stat(QStringLiteral("/proc/%1/task/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            return {};
        const QByteArray line = stat.readAll();
        // After ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime.
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(") ") + 2).split(' ');
        if (fields.size() < 13)
            return {};
        const double nsPerTick = 1e9 / double(sysconf(_SC_CLK_TCK));
        return {fields[7].toULongLong(), fields[11].toDouble() * nsPerTick,
                fields[12].toDouble() * nsPerTick};
    }
    ThreadCost operator-(const ThreadCost& before) const {
        return {minorFaults - before.minorFaults, userNs - before.userNs, kernelNs - before.kernelNs};
    }
};

struct Spawns {
    double ms = -1;    // the script's kSpawns spawns took
    ThreadCost thread; // what the loop thread spent meanwhile
};

/// Waits until the runner's stdout has a line containing `text`; false if it ended first.
bool waitForLine(QProcess& run, QByteArray& out, const QByteArray& text) {
    while (!out.contains(text)) {
        if (run.state() == QProcess::NotRunning && !run.waitForReadyRead(0))
            return false;
        run.waitForReadyRead(100);
        out += run.readAllStandardOutput();
    }
    return true;
}

/// The script's `kSpawns` spawns with `live` tasks alive.
Spawns spawnCost(const QString& script, long live) {
    QProcess run;
    const QTemporaryDir dir;
    run.start(QStringLiteral(COROSCOPE_BINARY),
              {QStringLiteral("run"), script, QStringLiteral("--param"), QStringLiteral("live=%1").arg(live),
               QStringLiteral("--param"), QStringLiteral("spawns=%1").arg(kSpawns),
               QStringLiteral("--max-tasks"), QString::number(live + kSpawns + 10),
               QStringLiteral("--memory-limit"), QStringLiteral("16GiB"), QStringLiteral("--script-timeout"),
               QStringLiteral("10min"), QStringLiteral("--session"),
               dir.filePath(QStringLiteral("spawn.coroscope"))});
    QByteArray out;
    Spawns spawns;
    ThreadCost before;
    if (waitForLine(run, out, "ready"))
        before = ThreadCost::of(run.processId());
    if (waitForLine(run, out, "spawned in"))
        spawns.thread = ThreadCost::of(run.processId()) - before;
    run.waitForFinished(30 * 60 * 1000);
    out += run.readAllStandardOutput();
    const auto match =
        QRegularExpression(QStringLiteral("spawned in ([0-9.]+)")).match(QString::fromUtf8(out));
    if (!match.hasMatch()) {
        std::fprintf(stderr, "live=%ld: no figure; stderr:\n%s\n", live,
                     run.readAllStandardError().constData());
        return spawns;
    }
    spawns.ms = match.captured(1).toDouble();
    return spawns;
}

constexpr std::size_t kProbeBytes = std::size_t(256) << 20;

/// Maps kProbeBytes of fresh anonymous memory and writes once to each 4 KiB page of it; the
/// block (null if refused) and the nanoseconds per page that took. The caller unmaps it.
std::pair<void*, double> touchFreshBlock() {
    void* block = mmap(nullptr, kProbeBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED)
        return {nullptr, -1};
    auto* bytesOf = static_cast<volatile char*>(block);
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t offset = 0; offset < kProbeBytes; offset += 4096)
        bytesOf[offset] = 1;
    const auto ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    return {block, ns / double(kProbeBytes / 4096)};
}

/// First-touch cost per page at a small footprint and once `footprint` bytes are held: the first
/// and the last of the blocks touched on the way there (all released after).
std::pair<double, double> pageTouchCosts(std::size_t footprint) {
    std::vector<void*> held;
    double small = -1;
    double large = -1;
    for (std::size_t heldBytes = 0; heldBytes <= footprint; heldBytes += kProbeBytes) {
        const auto [block, nsPerPage] = touchFreshBlock();
        if (!block)
            break;
        held.push_back(block);
        (held.size() == 1 ? small : large) = nsPerPage;
    }
    for (void* block : held)
        munmap(block, kProbeBytes);
    return {small, large};
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const long live = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    const QTemporaryDir dir;
    const QString script = dir.filePath(QStringLiteral("spawn.js"));
    {
        QFile file(script);
        if (!file.open(QIODevice::WriteOnly))
            return 2;
        file.write(kScript);
    }
    const Spawns few = spawnCost(script, 1000);
    const Spawns many = spawnCost(script, live);
    if (few.ms <= 0 || many.ms <= 0)
        return 1;
    std::printf("spawn_ns_at_1000_live %.0f\n", few.ms * 1e6 / kSpawns);
    std::printf("spawn_ns_at_%ld_live %.0f\n", live, many.ms * 1e6 / kSpawns);
    std::printf("spawn_cost_ratio %.2f\n", many.ms / few.ms);
    // The loop thread's own account of the window (clock ticks: ~2 % here): user time is the
    // code that runs a spawn (ours, Qt's, the engine's, malloc), kernel time mostly page faults.
    const auto perSpawn = [](double total) { return total / kSpawns; };
    for (const auto& [label, spawns] :
         {std::pair{QByteArray("1000"), few}, std::pair{QByteArray::number(qlonglong(live)), many}}) {
        std::printf("page_faults_per_spawn_at_%s_live %.2f\n", label.constData(),
                    perSpawn(double(spawns.thread.minorFaults)));
        std::printf("spawn_user_ns_at_%s_live %.0f\n", label.constData(), perSpawn(spawns.thread.userNs));
        std::printf("spawn_kernel_ns_at_%s_live %.0f\n", label.constData(), perSpawn(spawns.thread.kernelNs));
    }
    std::printf("spawn_user_ratio %.2f\n", many.thread.userNs / few.thread.userNs);
    std::printf("spawn_kernel_ratio %.2f\n", many.thread.kernelNs / few.thread.kernelNs);
    rusage children{};
    getrusage(RUSAGE_CHILDREN, &children); // the largest runner: the LIVE one
    const std::size_t footprint = std::size_t(children.ru_maxrss) * 1024;
    const auto [small, large] = pageTouchCosts(footprint);
    std::printf("runner_peak_rss_mib %zu\n", footprint >> 20);
    std::printf("page_touch_ns_at_256MiB %.0f\n", small);
    std::printf("page_touch_ns_at_runner_peak %.0f\n", large);
    std::printf("page_touch_ratio %.2f\n", large / small);
    return 0;
}
