// bench/session: what recording a session costs and how fast the writer is, on this machine, in
// one run. Every variant runs in a fresh child process (this binary with `--child MODE`), as in
// bench/overhead; timings are printed, never asserted.
//
//   traced-switch   the switch pattern (1 000 tasks x 200 `co_await QCoro::sleepFor(0ms)`) on
//                   the instrumented loop with the profiler on, no session
//   session-switch  the same with a session being recorded (writer thread, WAL, 100 ms batches)
//   session-spawn   200 bursts of 1 000 short tasks: a task row each, created and finished
//
// Printed: session_slowdown_ratio (median over adjacent pairs of session-switch / traced-switch
// loop time), session_segment_rows_per_s and session_task_rows_per_s (rows written per second of
// the writer's own time spent writing them: its capacity, not the rate the workload happened to
// produce), the rates the workloads produced, and how old the newest row is for a second reader
// polling the file every 20 ms (session_staleness_ms_*).
#include "benchsupport.h"
#include "recording/sessionwriter.h"
#include "session/sqlite.h"
#include <coroscope/instrumentedapplication.h>
#include <coroscope/profiler.h>
#include <coroscope/sleep.h>
#include <coroscope/task.h>

#include <QCoreApplication>
#include <QTemporaryDir>
#include <QTimer>
#include <qcoro/qcorotimer.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>
#include <unistd.h>

namespace {

using coroscope::bench::ChildOutcome;
using coroscope::bench::kExitChecksFailed;
using coroscope::bench::median;
using SteadyClock = std::chrono::steady_clock;

constexpr int kSwitchTasks = 1000;
constexpr int kSwitchesPerTask = 200;
constexpr int kBursts = 200;
constexpr int kTasksPerBurst = 1000;
int g_repetitions = 11;

std::int64_t nanosBetween(SteadyClock::time_point a, SteadyClock::time_point b) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

struct Countdown {
    int remaining;
    SteadyClock::time_point end;
    void done() {
        if (--remaining == 0) {
            end = SteadyClock::now();
            QCoreApplication::quit();
        }
    }
};

coroscope::Task<> switcher(Countdown* countdown) {
    for (int i = 0; i < kSwitchesPerTask; ++i)
        co_await QCoro::sleepFor(std::chrono::milliseconds(0));
    countdown->done();
}

coroscope::Task<> shortTask(Countdown* countdown) {
    co_await QCoro::sleepFor(std::chrono::milliseconds(0));
    countdown->done();
}

/// Loop time of the switch pattern, ns.
std::int64_t runSwitches() {
    Countdown countdown{kSwitchTasks, {}};
    SteadyClock::time_point start;
    QTimer::singleShot(0, qApp, [&] {
        start = SteadyClock::now();
        for (int i = 0; i < kSwitchTasks; ++i)
            coroscope::Task<> detached = switcher(&countdown);
    });
    QCoreApplication::exec();
    return nanosBetween(start, countdown.end);
}

/// Bursts of short tasks, one burst per loop iteration (as a server accepting requests would).
std::int64_t runBursts() {
    Countdown countdown{kBursts * kTasksPerBurst, {}};
    SteadyClock::time_point start;
    int burst = 0;
    QTimer timer;
    QObject::connect(&timer, &QTimer::timeout, [&] {
        if (burst++ == kBursts) {
            timer.stop();
            return;
        }
        for (int i = 0; i < kTasksPerBurst; ++i)
            coroscope::Task<> detached = shortTask(&countdown);
    });
    QTimer::singleShot(0, qApp, [&] {
        start = SteadyClock::now();
        timer.start(0);
    });
    QCoreApplication::exec();
    return nanosBetween(start, countdown.end);
}

void waitUntilWarm(const coroscope::Profiler& profiler) {
    while (!profiler.isWatchdogReady()) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        usleep(1000);
    }
}

int childTracedSwitch(int argc, char** argv) {
    coroscope::InstrumentedCoreApplication app(argc, argv);
    coroscope::Profiler profiler;
    profiler.start();
    waitUntilWarm(profiler);
    const std::int64_t ns = runSwitches();
    profiler.stop();
    std::printf("%lld\n", static_cast<long long>(ns));
    return 0;
}

/// A reader on a connection of its own (what the GUI or a second process does): how old the newest
/// time-series row is each time it looks, ns.
class StalenessProbe {
public:
    explicit StalenessProbe(QString path)
        : m_thread([this, path = std::move(path)](std::stop_token stop) { run(stop, path); }) {}
    std::vector<double> stop() {
        m_thread.request_stop();
        m_thread.join();
        return m_ages;
    }

private:
    void run(std::stop_token stop, const QString& path) {
        std::optional<coroscope::session::Database> db;
        while (!stop.stop_requested()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            try {
                if (!db)
                    db.emplace(path, coroscope::session::Database::Mode::ReadOnly);
                const std::int64_t newest = db->scalar("SELECT max(t_ns) FROM timeseries");
                if (newest > 0)
                    m_ages.push_back(double(coroscope::Clock::nanosNow() - newest));
            } catch (const coroscope::session::SqliteError&) {
                db.reset(); // not created yet, or busy: look again
            }
        }
    }
    std::vector<double> m_ages;
    std::jthread m_thread;
};

/// Runs `workload` with a session recorded; prints loop ns, rows and writer times.
template <typename Workload>
int runRecorded(int argc, char** argv, Workload workload, std::uint64_t expectedTasks) {
    coroscope::InstrumentedCoreApplication app(argc, argv);
    const QTemporaryDir dir;
    coroscope::session::SessionDeltaQueue deltas;
    coroscope::Profiler profiler;
    coroscope::session::SessionWriter writer(dir.filePath(QStringLiteral("bench.coroscope")), deltas);
    profiler.tapSession(deltas);
    profiler.start();
    waitUntilWarm(profiler);
    writer.start(coroscope::Clock::nanosNow());
    StalenessProbe staleness(writer.path());
    const std::int64_t ns = workload();
    std::vector<double> ages = staleness.stop();
    profiler.stop();
    writer.finish();
    const auto& stats = writer.stats();
    const coroscope::RunSnapshot s = profiler.snapshot();
    const bool ok = !writer.error() && s.tasksTotal == expectedTasks &&
                    stats.segmentRows == s.segmentsTotal && stats.taskRows >= expectedTasks &&
                    s.drops.records == 0;
    std::fprintf(
        stderr,
        "check %s: tasks %llu/%llu, segment rows %llu of %llu, task rows %llu, batches %llu, dropped "
        "%llu%s\n",
        ok ? "ok" : "FAILED", static_cast<unsigned long long>(s.tasksTotal),
        static_cast<unsigned long long>(expectedTasks), static_cast<unsigned long long>(stats.segmentRows),
        static_cast<unsigned long long>(s.segmentsTotal), static_cast<unsigned long long>(stats.taskRows),
        static_cast<unsigned long long>(stats.batches), static_cast<unsigned long long>(s.drops.records),
        writer.error() ? qPrintable(QStringLiteral(", error: ") + *writer.error()) : "");
    std::sort(ages.begin(), ages.end());
    const double agesP50 = ages.empty() ? 0 : ages[ages.size() / 2];
    const double agesMax = ages.empty() ? 0 : ages.back();
    std::printf("%lld %llu %lld %llu %lld %lld %.0f %.0f\n", static_cast<long long>(ns),
                static_cast<unsigned long long>(stats.segmentRows), static_cast<long long>(stats.segmentNs),
                static_cast<unsigned long long>(stats.taskRows), static_cast<long long>(stats.taskNs),
                static_cast<long long>(stats.batchNs), agesP50, agesMax);
    return ok ? 0 : kExitChecksFailed;
}

std::optional<ChildOutcome> runChild(const char* mode, int run) {
    return coroscope::bench::runChild("session", mode, /*unixDispatcher (the runner's)*/ true, run);
}

int runParent() {
    std::vector<double> ratios, segmentRates, segmentProduced, taskRates, taskProduced, batchShare, ageP50,
        ageMax;
    bool checksFailed = false;
    for (int rep = 0; rep < g_repetitions; ++rep) {
        const bool sessionFirst = rep % 2;
        std::optional<ChildOutcome> traced, recorded;
        for (int i = 0; i < 2; ++i) {
            if ((i == 0) == sessionFirst)
                recorded = runChild("session-switch", rep);
            else
                traced = runChild("traced-switch", rep);
        }
        const auto spawn = runChild("session-spawn", rep);
        if (!traced || !recorded || !spawn || recorded->values.size() < 6 || spawn->values.size() < 6)
            return 1;
        checksFailed |= recorded->checksFailed || spawn->checksFailed;
        const std::vector<double>& r = recorded->values;
        ratios.push_back(r[0] / traced->values[0]);
        segmentRates.push_back(r[1] * 1e9 / r[2]);
        segmentProduced.push_back(r[1] * 1e9 / r[0]);
        batchShare.push_back(r[5] / r[0]);
        if (r.size() >= 8) {
            ageP50.push_back(r[6] / 1e6);
            ageMax.push_back(r[7] / 1e6);
        }
        const std::vector<double>& sp = spawn->values;
        taskRates.push_back(sp[3] * 1e9 / sp[4]);
        taskProduced.push_back(double(kBursts * kTasksPerBurst) * 1e9 / sp[0]);
    }
    std::printf("session_slowdown_ratio: %.3f\n", median(ratios));
    std::printf("session_slowdown_ratio_min: %.3f\n", *std::min_element(ratios.begin(), ratios.end()));
    std::printf("session_segment_rows_per_s: %.0f\n", median(segmentRates));
    std::printf("session_task_rows_per_s: %.0f\n", median(taskRates));
    std::printf("workload_segments_per_s: %.0f\n", median(segmentProduced));
    std::printf("workload_tasks_per_s: %.0f\n", median(taskProduced));
    std::printf("writer_busy_share_of_run: %.3f\n", median(batchShare));
    // What a second reader sees: the age of the newest committed row (target: <= 200 ms).
    std::printf("session_staleness_ms_p50: %.0f\n", median(ageP50));
    std::printf("session_staleness_ms_max: %.0f\n",
                ageMax.empty() ? 0.0 : *std::max_element(ageMax.begin(), ageMax.end()));
    std::printf("checks: %s\n", checksFailed ? "FAILED (see stderr)" : "ok");
    return checksFailed ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && std::strcmp(argv[1], "--child") == 0) {
        if (std::strcmp(argv[2], "traced-switch") == 0)
            return childTracedSwitch(argc, argv);
        if (std::strcmp(argv[2], "session-switch") == 0)
            return runRecorded(argc, argv, runSwitches, kSwitchTasks);
        if (std::strcmp(argv[2], "session-spawn") == 0)
            return runRecorded(argc, argv, runBursts, std::uint64_t(kBursts) * kTasksPerBurst);
        std::fprintf(stderr, "session: unknown child mode '%s'\n", argv[2]);
        return 2;
    }
    if (argc == 3 && std::strcmp(argv[1], "--repetitions") == 0)
        g_repetitions = std::max(1, std::atoi(argv[2]));
    else if (argc != 1) {
        std::fprintf(stderr, "usage: session [--repetitions N]   (default %d)\n", g_repetitions);
        return 2;
    }
    QCoreApplication app(argc, argv);
    return runParent();
}
