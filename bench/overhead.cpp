// overhead: what Coroscope's instrumentation costs the loop it measures, raw vs instrumented, on
// this machine, in one run. Every variant runs in a fresh child process (this binary with
// `--child MODE`) so one variant's heap, caches and threads never disturb the next. Raw and
// instrumented runs alternate in adjacent pairs; the headline ratio is the median of the per-pair
// ratios, which cancels this machine's slow drifts in speed (the same child varies by up to 1.7x
// from one second to the next). Minimum-based ratios are printed beside it. Timings are printed
// as ratios, never asserted.
//
// Instrumented children start timing once the profiler is warm (the watchdog has loaded debug
// info, ~0.1-0.3 s of CPU on its own thread, once per process): the ratios are the steady-state
// cost per switch and per dispatch. The warm-up itself is printed as profiler_warmup_ms.
#include "overhead.h"

#include "benchsupport.h"
#include "instrument/instrumentedthread.h"
#include "watchdog/symbolizer.h"
#include <coroscope/instrumentedapplication.h>
#include <coroscope/profiler.h>
#include <coroscope/task.h>

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QDir>
#include <QEvent>
#include <QFile>
#include <QObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>
#include <QTimer>
#include <qcoro/qcorotask.h>
#include <qcoro/qcorotimer.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <memory>
#include <mutex>
#include <optional>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace coroscope::bench::overhead;

namespace {

using coroscope::bench::ChildMode;
using coroscope::bench::ChildOutcome;
using coroscope::bench::Countdown;
using coroscope::bench::kExitChecksFailed;
using coroscope::bench::MachineCpu;
using coroscope::bench::median;

using SteadyClock = std::chrono::steady_clock;

// Retention workload: many short tasks, in batches so that only one batch of frames lives at once.
constexpr int kRetainedTasks = 100'000;
constexpr int kRetainBatch = 1'000;

const auto kPingType = QEvent::Type(QEvent::User + 1);

// A traced child that measured but whose collector lost or miscounted records: its number is kept,
// the whole run reports the failed check.

std::int64_t nanosBetween(SteadyClock::time_point from, SteadyClock::time_point to) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

// malloc heap in use, every arena (the collector allocates in its own).
std::int64_t heapInUse() {
    const struct mallinfo2 mi = ::mallinfo2();
    return std::int64_t(mi.uordblks + mi.hblkhd);
}

const char* dispatcherName() {
    const QAbstractEventDispatcher* dispatcher = QAbstractEventDispatcher::instance();
    return dispatcher ? dispatcher->metaObject()->className() : "none";
}

/// Prints the CPU time every thread of this process has used so far (schedstat, ns): on two
/// cores the profiler's own threads compete with the loop, so their cost belongs in the report.
void reportThreadCpu(std::int64_t wallNs) {
    const QString pid = QString::number(::getpid());
    const QDir tasks(QStringLiteral("/proc/self/task"));
    QByteArray line = "thread cpu (ms):";
    for (const QString& tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks.filePath(tid + QStringLiteral("/comm")));
        QFile sched(tasks.filePath(tid + QStringLiteral("/schedstat")));
        if (!comm.open(QIODevice::ReadOnly) || !sched.open(QIODevice::ReadOnly))
            continue;
        const QByteArray name = tid == pid ? QByteArray("loop") : comm.readAll().trimmed();
        const double ms = sched.readAll().split(' ').value(0).toDouble() / 1e6;
        line += ' ' + name + ' ' + QByteArray::number(ms, 'f', 1) + ',';
    }
    line += " wall " + QByteArray::number(double(wallNs) / 1e6, 'f', 1);
    std::fprintf(stderr, "%s\n", line.constData());
}

// One coroutine body for both task types, so raw and traced run the same code. Parameters are
// pointers taken by value: the frame must not hold references to the caller's temporaries.
template <typename TaskType>
TaskType switcher(Countdown* countdown) {
    for (int i = 0; i < kSwitchesPerTask; ++i)
        co_await QCoro::sleepFor(std::chrono::milliseconds(0));
    countdown->done();
}

/// Runs the switch workload on the current application; returns ns from the first task's
/// creation to the last task's end.
template <typename TaskType>
std::int64_t runSwitches() {
    Countdown countdown(kSwitchTasks);
    SteadyClock::time_point start;
    // Created from inside the loop, as an application would; the tasks are eager, so each runs up
    // to its first co_await here.
    QTimer::singleShot(0, qApp, [&] {
        start = SteadyClock::now();
        for (int i = 0; i < kSwitchTasks; ++i) {
            // Dropping the handle detaches the task: its frame frees itself when the body ends.
            TaskType task = switcher<TaskType>(&countdown);
        }
    });
    QCoreApplication::exec();
    return nanosBetween(start, countdown.end);
}

/// A fixed amount of arithmetic (FNV-1a over a buffer): CPU work whose time is what slows down
/// when something takes the CPU from it, unlike a burn for a fixed duration.
[[gnu::noinline]] std::uint64_t crunch(const std::vector<std::uint8_t>& buffer) {
    std::uint64_t hash = 1469598103934665603ull;
    for (const std::uint8_t byte : buffer)
        hash = (hash ^ byte) * 1099511628211ull;
    return hash;
}

template <typename TaskType>
TaskType cruncher(Countdown* countdown, std::uint64_t* sink) {
    const std::vector<std::uint8_t> buffer(kCrunchBytes, 7);
    for (int i = 0; i < kCrunchRounds; ++i) {
        *sink += crunch(buffer);
        co_await QCoro::sleepFor(std::chrono::milliseconds(0));
    }
    countdown->done();
}

/// The CPU-bound workload: kCrunchTasks tasks alternate a slice of arithmetic with an await.
template <typename TaskType>
std::int64_t runCrunch() {
    Countdown countdown(kCrunchTasks);
    std::uint64_t sink = 0;
    SteadyClock::time_point start;
    QTimer::singleShot(0, qApp, [&] {
        start = SteadyClock::now();
        for (int i = 0; i < kCrunchTasks; ++i)
            TaskType task = cruncher<TaskType>(&countdown, &sink);
    });
    QCoreApplication::exec();
    std::fprintf(stderr, "crunch %llu\n", static_cast<unsigned long long>(sink));
    return nanosBetween(start, countdown.end);
}

/// Re-posts a custom event to itself until it has received kEventsPerPoster of them.
class Poster : public QObject {
public:
    explicit Poster(Countdown* countdown)
        : m_countdown(countdown) {}

    void kick() { QCoreApplication::postEvent(this, new QEvent(kPingType)); }

    bool event(QEvent* event) override {
        if (event->type() != kPingType)
            return QObject::event(event);
        if (++m_received < kEventsPerPoster)
            kick();
        else
            m_countdown->done();
        return true;
    }

private:
    Countdown* m_countdown;
    int m_received = 0;
};

/// A zero-timer re-armed from its own callback, kTimersPerChain times.
class Chain {
public:
    explicit Chain(Countdown* countdown)
        : m_countdown(countdown) {}

    void arm() {
        QTimer::singleShot(0, &m_context, [this] { fire(); });
    }

private:
    void fire() {
        if (--m_remaining > 0)
            arm();
        else
            m_countdown->done();
    }

    QObject m_context;
    Countdown* m_countdown;
    int m_remaining = kTimersPerChain;
};

/// Runs the dispatch workload; returns ns from the first post to the last callback.
std::int64_t runDispatches() {
    Countdown countdown(kPosters + kChains);
    std::vector<std::unique_ptr<Poster>> posters;
    std::vector<std::unique_ptr<Chain>> chains;
    for (int i = 0; i < kPosters; ++i)
        posters.push_back(std::make_unique<Poster>(&countdown));
    for (int i = 0; i < kChains; ++i)
        chains.push_back(std::make_unique<Chain>(&countdown));
    SteadyClock::time_point start;
    QTimer::singleShot(0, qApp, [&] {
        start = SteadyClock::now();
        for (auto& poster : posters)
            poster->kick();
        for (auto& chain : chains)
            chain->arm();
    });
    QCoreApplication::exec();
    return nanosBetween(start, countdown.end);
}

/// Dispatches the instrumented loop timed (top-level notify() calls): the real count of timed
/// dispatches, to compare with the nominal kDispatches.
std::uint64_t timedDispatches() {
    const coroscope::InstrumentedThread* thread = coroscope::InstrumentedThread::current();
    return thread ? thread->dispatchSeq : 0;
}

/// Prints the collector's view of a traced run to stderr; false if it lost or miscounted anything.
bool reportSnapshot(const coroscope::RunSnapshot& s, std::uint64_t tasks, std::uint64_t segments) {
    const std::uint64_t completed = s.tasksByState[std::size_t(coroscope::TaskState::Completed)];
    const bool ok =
        s.tasksTotal == tasks && completed == tasks && s.segmentsTotal == segments && s.drops.records == 0;
    std::fprintf(stderr,
                 "check %s: tasksTotal %llu/%llu, completed %llu/%llu, segmentsTotal %llu/%llu, "
                 "dropped records %llu (segments %llu), evicted tasks %llu\n",
                 ok ? "ok" : "FAILED", static_cast<unsigned long long>(s.tasksTotal),
                 static_cast<unsigned long long>(tasks), static_cast<unsigned long long>(completed),
                 static_cast<unsigned long long>(tasks), static_cast<unsigned long long>(s.segmentsTotal),
                 static_cast<unsigned long long>(segments), static_cast<unsigned long long>(s.drops.records),
                 static_cast<unsigned long long>(s.drops.segments),
                 static_cast<unsigned long long>(s.drops.evictedTasks));
    return ok;
}

/// Runs the loop until the profiler's watchdog is ready; prints how long that took on stderr.
void waitUntilWarm(const coroscope::Profiler& profiler) {
    const auto start = SteadyClock::now();
    while (!profiler.isWatchdogReady()) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        usleep(1000);
    }
    std::fprintf(stderr, "warmup_ms %.1f\n", double(nanosBetween(start, SteadyClock::now())) / 1e6);
}

int childRawSwitch(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const std::int64_t ns = runSwitches<QCoro::Task<>>();
    reportThreadCpu(ns);
    std::printf("%lld\n", static_cast<long long>(ns));
    return 0;
}

/// Traced, with the CPU profile sampling at its default rate, or (`Sampling` false) off, running
/// `workload` (the switch pattern, or the CPU-bound one).
template <bool Sampling, std::int64_t (*Workload)()>
int childSampled(int argc, char** argv) {
    coroscope::InstrumentedCoreApplication app(argc, argv);
    coroscope::Settings settings;
    if (!Sampling)
        settings.cpuSampleInterval = std::chrono::microseconds(0);
    coroscope::Profiler profiler(settings);
    profiler.start();
    waitUntilWarm(profiler);
    const std::int64_t ns = Workload();
    reportThreadCpu(ns);
    profiler.stop();
    if (Sampling) {
        const auto cost = coroscope::CpuSampler::handlerCost();
        std::fprintf(stderr, "sample_handler %llu %llu %lld\n", static_cast<unsigned long long>(cost.stacks),
                     static_cast<unsigned long long>(cost.frames), static_cast<long long>(cost.ns));
    }
    std::printf("%lld\n", static_cast<long long>(ns));
    return 0;
}

int childTracedSwitch(int argc, char** argv) {
    coroscope::InstrumentedCoreApplication app(argc, argv);
    coroscope::Profiler profiler;
    profiler.start();
    waitUntilWarm(profiler);
    const std::int64_t ns = runSwitches<coroscope::Task<>>();
    const std::uint64_t dispatches = timedDispatches();
    reportThreadCpu(ns);
    profiler.stop();
    const bool ok = reportSnapshot(profiler.snapshot(), kSwitchTasks,
                                   std::uint64_t(kSwitchTasks) * (kSwitchesPerTask + 1));
    std::fprintf(stderr, "timed dispatches %llu\n", static_cast<unsigned long long>(dispatches));
    std::printf("%lld\n", static_cast<long long>(ns));
    return ok ? 0 : kExitChecksFailed;
}

int childRawDispatch(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    std::fprintf(stderr, "dispatcher %s\n", dispatcherName());
    const std::int64_t ns = runDispatches();
    reportThreadCpu(ns);
    std::printf("%lld\n", static_cast<long long>(ns));
    return 0;
}

/// The raw dispatch workload with one idle thread beside the loop, as every instrumented process
/// has (collector, watchdog, sampler). With glib this alone costs: glibc's write() and malloc take
/// their multi-threaded paths once a second thread exists, and glib writes its wake-up eventfd on
/// every post. It separates "a process with threads" from "the hooks" in the overhead.
int childRawThreadedDispatch(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    std::mutex mutex;
    std::condition_variable wake;
    bool stop = false;
    std::thread idle([&] {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return stop; });
    });
    const std::int64_t ns = runDispatches();
    {
        std::lock_guard lock(mutex);
        stop = true;
    }
    wake.notify_all();
    idle.join();
    std::printf("%lld\n", static_cast<long long>(ns));
    return 0;
}

int childTracedDispatch(int argc, char** argv) {
    coroscope::InstrumentedCoreApplication app(argc, argv);
    coroscope::Profiler profiler;
    profiler.start();
    waitUntilWarm(profiler);
    const std::int64_t ns = runDispatches();
    const std::uint64_t dispatches = timedDispatches();
    reportThreadCpu(ns);
    profiler.stop();
    const coroscope::RunSnapshot s = profiler.snapshot();
    std::fprintf(stderr, "dispatcher %s, timed dispatches %llu (nominal %lld), dropped records %llu\n",
                 dispatcherName(), static_cast<unsigned long long>(dispatches),
                 static_cast<long long>(kDispatches), static_cast<unsigned long long>(s.drops.records));
    std::printf("%lld\n", static_cast<long long>(ns));
    return 0;
}

class ShortTaskRunner;
coroscope::Task<> shortTask(ShortTaskRunner* runner);

/// Runs short detached traced tasks kRetainBatch at a time, so only one batch of frames lives at
/// once, and returns when all have ended (their frames freed).
///
/// A batch starts only once the loop's record channel is at most a quarter full: at full speed
/// this workload makes ~1 M records/s in bursts, which sometimes outrun the collector (0 to 97 k
/// records dropped per run here), and a dropped record is a task it does not keep, which would
/// make the retention per task look smaller than it is.
/// Returns how often it had to wait for the collector.
class ShortTaskRunner {
public:
    explicit ShortTaskRunner(int count)
        : m_left(count) {}

    int run() {
        QTimer::singleShot(0, qApp, [this] { startBatchWhenDrained(); });
        QCoreApplication::exec();
        return m_waits;
    }

    void taskDone() {
        if (--m_running > 0)
            return;
        // Next batch from the loop, not from inside the body of the task that is ending now.
        if (m_left > 0)
            QTimer::singleShot(0, qApp, [this] { startBatchWhenDrained(); });
        else
            QCoreApplication::quit();
    }

private:
    void startBatchWhenDrained() {
        const coroscope::EventChannel& channel = coroscope::InstrumentedThread::current()->channel();
        if (channel.queued() > channel.capacity() / 4) {
            ++m_waits;
            QTimer::singleShot(1, qApp, [this] { startBatchWhenDrained(); });
            return;
        }
        const int n = std::min(kRetainBatch, m_left);
        m_left -= n;
        m_running = n;
        for (int i = 0; i < n; ++i) {
            // Dropping the handle detaches the task: its frame frees itself when the body ends.
            coroscope::Task<> task = shortTask(this);
        }
    }

    int m_left;
    int m_running = 0;
    int m_waits = 0;
};

coroscope::Task<> shortTask(ShortTaskRunner* runner) {
    co_await QCoro::sleepFor(std::chrono::milliseconds(0));
    runner->taskDone();
}

/// Heap in use once the collector has taken in everything queued, and how many finished tasks it
/// knows. The snapshot (a copy of every task) is gone again before the heap is read.
struct RetentionPoint {
    std::int64_t heap = 0;
    std::uint64_t finished = 0;
    bool ok = true;
};

RetentionPoint retentionPoint(coroscope::Profiler& profiler, std::uint64_t expectedTasks) {
    RetentionPoint point;
    {
        const coroscope::RunSnapshot s = profiler.snapshot();
        point.finished = s.tasksByState[std::size_t(coroscope::TaskState::Completed)];
        // Two segments per task: before and after its one await.
        point.ok = reportSnapshot(s, expectedTasks, 2 * expectedTasks);
    }
    point.heap = heapInUse();
    return point;
}

// Prints: bytes per finished task over kRetainedTasks, the same over the second half only
// (marginal: what one more task adds), and the same including the one-off costs after start().
int childBytesPerTask(int argc, char** argv) {
    coroscope::InstrumentedCoreApplication app(argc, argv);
    // The watchdog thread loads the executable's DWARF (megabytes, once) right after start():
    // load it here first, or it lands before or after the baseline depending on thread timing.
    coroscope::Symbolizer::instance().warmUp();
    coroscope::Profiler profiler;
    profiler.start();
    const std::int64_t heapStarted = heapInUse();
    // One batch first: what is allocated once per process (the symbol cache entry naming
    // shortTask, the relay frame pool, Qt's timer bookkeeping) is not a cost per task.
    int waits = ShortTaskRunner(kRetainBatch).run();
    const RetentionPoint before = retentionPoint(profiler, kRetainBatch);
    const auto start = SteadyClock::now();
    waits += ShortTaskRunner(kRetainedTasks / 2).run();
    const RetentionPoint half = retentionPoint(profiler, kRetainBatch + kRetainedTasks / 2);
    waits += ShortTaskRunner(kRetainedTasks - kRetainedTasks / 2).run();
    const RetentionPoint after = retentionPoint(profiler, kRetainBatch + kRetainedTasks);
    reportThreadCpu(nanosBetween(start, SteadyClock::now()));
    std::fprintf(stderr,
                 "heap after start %lld, after warm-up batch %lld, half %lld, end %lld bytes; batches "
                 "delayed for the collector %d times\n",
                 static_cast<long long>(heapStarted), static_cast<long long>(before.heap),
                 static_cast<long long>(half.heap), static_cast<long long>(after.heap), waits);
    auto perTask = [](const RetentionPoint& from, const RetentionPoint& to) {
        return to.finished > from.finished ? double(to.heap - from.heap) / double(to.finished - from.finished)
                                           : 0.0;
    };
    std::printf("%.1f %.1f %.1f\n", perTask(before, after), perTask(half, after),
                after.finished ? double(after.heap - heapStarted) / double(after.finished) : 0.0);
    return before.ok && half.ok && after.ok ? 0 : kExitChecksFailed;
}

constexpr ChildMode kChildModes[] = {
    {"raw-switch", childRawSwitch},
    {"traced-switch", childTracedSwitch},
    {"raw-dispatch", childRawDispatch},
    {"traced-dispatch", childTracedDispatch},
    {"bytes-per-task", childBytesPerTask},
    {"raw-threaded-dispatch", childRawThreadedDispatch},
    {"unsampled-switch", childSampled<false, runSwitches<coroscope::Task<>>>},
    {"sampled-switch", childSampled<true, runSwitches<coroscope::Task<>>>},
    {"unsampled-crunch", childSampled<false, runCrunch<coroscope::Task<>>>},
    {"sampled-crunch", childSampled<true, runCrunch<coroscope::Task<>>>},
};

} // namespace

int main(int argc, char** argv) {
    return coroscope::bench::benchMain("overhead", argc, argv, kChildModes, g_repetitions, runParent);
}
