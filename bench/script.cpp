// script_bench: what a workload script costs against the same pattern in native QCoro, on this
// machine, in one run. The pattern is the asyncio comparison of docs/platform-facts.md: 1 000 tasks x 200
// zero-delay switches, as a script (`yield sleep(0)`) run exactly as `coroscope run` runs it
// (InstrumentedCoreApplication + WorkloadRun, Unix dispatcher), against raw QCoro::Task<> with
// `co_await QCoro::sleepFor(0ms)` on a plain QCoreApplication (Unix dispatcher too).
//
// Method of bench/overhead.cpp: every variant runs in a fresh child process (this binary with
// `--child MODE`); the variants of one repetition run back to back (their order rotates), and the
// headline ratio is the median of the per-repetition ratios, which cancels this machine's slow
// drifts in speed (up to 2x). Timings are printed, never asserted.
//
// Three variants per repetition:
//   raw-switch             QCoro::Task<> + QCoro::sleepFor(0ms), plain QCoreApplication
//   script-switch          the script under `coroscope run` conditions (profiler on, warm)
//   script-untraced-switch the same script in a ScriptRuntime alone, no Profiler (JS engine cost)
// and, when `python3` is on the PATH, the peer a Python developer compares with: the same pattern
// in plain asyncio (`await asyncio.sleep(0)` in 1 000 tasks under one gather) every repetition,
// and in asyncio's debug mode (the seeds' profiler: ~30x slower, so only every seventh).
//
// The script times itself (now() around spawn ... gather) and logs the figure; it first sleeps
// 300 ms, and longer until the profiler's watchdog is warm (its one-off DWARF load would otherwise
// compete with the loop on two cores). The traced child checks at the start mark that it was warm,
// and reads the snapshot after the run: 1 001 tasks completed, 202 segments per worker (spawn, the
// start on a later loop iteration, then one after each of the 200 sleeps), no record dropped.
//
// `script_bench --child MODE TASKS SWITCHES` runs one child on a smaller workload, e.g. under
// callgrind (set QT_NO_GLIB=1 yourself).
#include "benchsupport.h"
#include "instrument/heapaccount.h"
#include "runner/workloadrun.h"
#include "script/scriptruntime.h"
#include <coroscope/instrumentedapplication.h>
#include <coroscope/profiler.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QStringList>
#include <QTemporaryDir>
#include <QTimer>
#include <qcoro/qcorotask.h>
#include <qcoro/qcorotimer.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace {

using coroscope::bench::ChildMode;
using coroscope::bench::ChildOutcome;
using coroscope::bench::Countdown;
using coroscope::bench::kExitChecksFailed;
using coroscope::bench::MachineCpu;
using coroscope::bench::median;

using SteadyClock = std::chrono::steady_clock;

int g_repetitions = 21;

constexpr int kTasks = 1'000;
constexpr int kSwitchesPerTask = 200;

std::int64_t nanosBetween(SteadyClock::time_point from, SteadyClock::time_point to) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

/// `--child MODE [tasks switches]`: a smaller workload for profiling a child alone (callgrind).
struct Workload {
    int tasks = kTasks;
    int switchesPerTask = kSwitchesPerTask;
    std::int64_t switches() const { return std::int64_t(tasks) * switchesPerTask; }
};

Workload workloadFromArgs(int argc, char** argv) {
    Workload w;
    if (argc >= 5) {
        w.tasks = std::max(1, std::atoi(argv[3]));
        w.switchesPerTask = std::max(1, std::atoi(argv[4]));
    }
    return w;
}

/// The workload script. main sleeps first so the profiler is warm (longer if the machine is busy:
/// a traced child sets __profilerWarm once the watchdog is ready), then times spawn ... gather
/// itself; the C++ side hears both marks through ScriptRuntime::logged.
QString scriptSource(const Workload& w) {
    return QStringLiteral(
               "function* worker() { for (let i = 0; i < %2; ++i) yield sleep(0); }\n"
               "function* main() {\n"
               "    yield sleep(300); // the profiler's watchdog warms up meanwhile\n"
               "    while (typeof __profilerWarm !== 'undefined' && !__profilerWarm) yield sleep(10);\n"
               "    log('start');\n"
               "    const start = now();\n"
               "    const t = [];\n"
               "    for (let i = 0; i < %1; ++i) t.push(spawn(worker));\n"
               "    yield gather(t);\n"
               "    const ms = now() - start;\n"
               "    log('switch_ms ' + ms);\n"
               "}\n")
        .arg(w.tasks)
        .arg(w.switchesPerTask);
}

/// The script in a file of its own, as `coroscope run` reads it.
QString writeScript(const QTemporaryDir& dir, const Workload& w) {
    const QString path = dir.filePath(QStringLiteral("switch.js"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(scriptSource(w).toUtf8()) < 0) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
        std::exit(2);
    }
    return path;
}

/// "switch_ms 1234.5" from the script's log, in ns; nullopt if it never got there.
std::optional<std::int64_t> loggedSwitchNs(const QStringList& lines) {
    for (const QString& line : lines) {
        if (line.startsWith(QLatin1String("switch_ms "))) {
            bool ok = false;
            const double ms = line.mid(10).toDouble(&ok);
            if (ok)
                return std::int64_t(ms * 1e6);
        }
    }
    return std::nullopt;
}

/// CPU time (schedstat, ns) of every thread of this process, by name ("loop" for the main one).
std::map<QByteArray, std::int64_t> threadCpu() {
    std::map<QByteArray, std::int64_t> cpu;
    const QString pid = QString::number(::getpid());
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString& tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks.filePath(tid + QStringLiteral("/comm")));
        QFile sched(tasks.filePath(tid + QStringLiteral("/schedstat")));
        if (!comm.open(QIODevice::ReadOnly) || !sched.open(QIODevice::ReadOnly))
            continue;
        const QByteArray name = tid == pid ? QByteArray("loop") : comm.readAll().trimmed();
        cpu[name] += sched.readAll().split(' ').value(0).toLongLong();
    }
    return cpu;
}

/// Prints each thread's CPU between two threadCpu() readings; returns the non-loop threads' sum.
std::int64_t reportThreadCpu(const std::map<QByteArray, std::int64_t>& before,
                             const std::map<QByteArray, std::int64_t>& after, std::int64_t wallNs) {
    QByteArray line = "thread cpu during the measurement (ms):";
    std::int64_t others = 0;
    for (const auto& [name, ns] : after) {
        const auto it = before.find(name);
        const std::int64_t used = ns - (it == before.end() ? 0 : it->second);
        if (name != "loop")
            others += used;
        line += ' ' + name + ' ' + QByteArray::number(double(used) / 1e6, 'f', 1) + ',';
    }
    line += " wall " + QByteArray::number(double(wallNs) / 1e6, 'f', 1);
    std::fprintf(stderr, "%s\n", line.constData());
    return others;
}

// ------------------------------------------------------------------------------------------------
// Children

QCoro::Task<> rawSwitcher(Countdown* countdown, int switches) {
    for (int i = 0; i < switches; ++i)
        co_await QCoro::sleepFor(std::chrono::milliseconds(0));
    countdown->done();
}

int childRawSwitch(int argc, char** argv) {
    const Workload w = workloadFromArgs(argc, argv);
    QCoreApplication app(argc, argv);
    Countdown countdown(w.tasks);
    SteadyClock::time_point start;
    std::map<QByteArray, std::int64_t> cpuStart;
    QTimer::singleShot(0, qApp, [&] {
        cpuStart = threadCpu();
        start = SteadyClock::now();
        for (int i = 0; i < w.tasks; ++i) {
            // Dropping the handle detaches the task: its frame frees itself when the body ends.
            QCoro::Task<> task = rawSwitcher(&countdown, w.switchesPerTask);
        }
    });
    QCoreApplication::exec();
    const std::int64_t ns = nanosBetween(start, countdown.end);
    reportThreadCpu(cpuStart, threadCpu(), ns);
    std::printf("%lld\n", static_cast<long long>(ns));
    return 0;
}

/// Marks the script's start/end (its log() calls arrive synchronously): warmth and thread CPU.
struct TracedMarks {
    bool warmAtStart = false;
    std::map<QByteArray, std::int64_t> cpuStart, cpuEnd;

    QTimer warmPoll;

    /// Call before main starts.
    void watch(coroscope::script::ScriptRuntime& runtime, const coroscope::Profiler& profiler) {
        QJSValue global = runtime.engine().globalObject();
        global.setProperty(QStringLiteral("__profilerWarm"), false);
        QObject::connect(&warmPoll, &QTimer::timeout, [this, global, &profiler]() mutable {
            if (profiler.isRunning() && profiler.isWatchdogReady()) {
                global.setProperty(QStringLiteral("__profilerWarm"), true);
                warmPoll.stop();
            }
        });
        warmPoll.start(5);
        QObject::connect(&runtime, &coroscope::script::ScriptRuntime::logged,
                         [this, &profiler](const QString& line) {
                             if (line == QLatin1String("start")) {
                                 warmAtStart = profiler.isWatchdogReady();
                                 cpuStart = threadCpu();
                             } else if (line.startsWith(QLatin1String("switch_ms "))) {
                                 cpuEnd = threadCpu();
                             }
                         });
    }
};

/// What both traced children print: the time, the profiler threads' CPU, and the checks of the
/// collector's view. Workers: 202 segments each (spawned, started on a later loop iteration, one
/// after each sleep); main: one more than its resumes (gather may wake it more than once).
int reportTraced(const Workload& w, coroscope::RunStatus status, const QString& mainError,
                 const QStringList& log, const TracedMarks& marks, const coroscope::RunSnapshot& s,
                 bool warmAfter) {
    const std::optional<std::int64_t> ns = loggedSwitchNs(log);
    if (!ns) {
        std::fprintf(stderr, "the script logged no time: status %s, %s\n",
                     qPrintable(coroscope::runStatusName(status)), qPrintable(mainError));
        return 1;
    }
    const std::int64_t others = reportThreadCpu(marks.cpuStart, marks.cpuEnd, *ns);
    const std::uint64_t tasks = std::uint64_t(w.tasks) + 1;
    const std::uint64_t completed = s.tasksByState[std::size_t(coroscope::TaskState::Completed)];
    std::uint64_t mainSegments = 0;
    std::uint32_t workerResumesMin = UINT32_MAX, workerResumesMax = 0;
    for (const coroscope::TaskInfo& t : s.tasks) {
        if (t.name == QLatin1String("main")) {
            mainSegments = std::uint64_t(t.resumes) + 1;
        } else {
            workerResumesMin = std::min(workerResumesMin, t.resumes);
            workerResumesMax = std::max(workerResumesMax, t.resumes);
        }
    }
    const std::uint64_t segments =
        std::uint64_t(w.tasks) * (std::uint64_t(w.switchesPerTask) + 2) + mainSegments;
#ifdef COROSCOPE_UNTRACKED_CHILD
    const bool heapTracked = coroscope::heap::interposed(); // as in `coroscope run`
#else
    const bool heapTracked = !coroscope::heap::interposed();
#endif
    const bool ok = status == coroscope::RunStatus::Completed && marks.warmAtStart && s.tasksTotal == tasks &&
                    completed == tasks && s.segmentsTotal == segments && s.drops.records == 0 && heapTracked;
    std::fprintf(stderr,
                 "check %s: heap tracking as in coroscope %s, status %s, watchdog warm at start %s (after "
                 "the run %s), "
                 "tasksTotal %llu/%llu, "
                 "completed %llu/%llu, segmentsTotal %llu/%llu (main %llu, worker resumes %u..%u), "
                 "dropped records %llu (segments %llu), evicted tasks %llu\n",
                 ok ? "ok" : "FAILED", heapTracked ? "yes" : "NO",
                 qPrintable(coroscope::runStatusName(status)), marks.warmAtStart ? "yes" : "NO",
                 warmAfter ? "yes" : "NO", static_cast<unsigned long long>(s.tasksTotal),
                 static_cast<unsigned long long>(tasks), static_cast<unsigned long long>(completed),
                 static_cast<unsigned long long>(tasks), static_cast<unsigned long long>(s.segmentsTotal),
                 static_cast<unsigned long long>(segments), static_cast<unsigned long long>(mainSegments),
                 workerResumesMin, workerResumesMax, static_cast<unsigned long long>(s.drops.records),
                 static_cast<unsigned long long>(s.drops.segments),
                 static_cast<unsigned long long>(s.drops.evictedTasks));
    std::printf("%lld %lld\n", static_cast<long long>(*ns), static_cast<long long>(others));
    return ok ? 0 : kExitChecksFailed;
}

/// Exactly what `coroscope run` does (app/runcommand.cpp), on the generated script.
int childScriptSwitch(int argc, char** argv) {
    const Workload w = workloadFromArgs(argc, argv);
    const QTemporaryDir dir;
    const QString path = writeScript(dir, w);
    coroscope::InstrumentedCoreApplication app(argc, argv);
    coroscope::WorkloadRun run(coroscope::RunOptions{.script = path});
    if (const auto error = run.load()) {
        std::fprintf(stderr, "%s\n", qPrintable(error->toString()));
        return 2;
    }
    TracedMarks marks;
    marks.watch(run.runtime(), run.profiler());
    coroscope::RunStatus status = coroscope::RunStatus::Completed;
    QCoro::Task<> finished = run.run().then([&](coroscope::RunStatus s) {
        status = s;
        QCoreApplication::quit();
    });
    app.exec();
    if (status == coroscope::RunStatus::Interrupted) {
        std::fprintf(stderr, "interrupted by the run's guard (%s)\n", qPrintable(run.mainError()));
        return 1; // a failed run: the parent reports it
    }
    return reportTraced(w, status, run.mainError(), run.runtime().logLines(), marks, run.snapshot(),
                        run.profiler().isWatchdogReady());
}

/// The same script in a ScriptRuntime alone: no Profiler, no instrumented application, so the
/// traced tasks record nothing. What is left is the JS engine and the runtime's own machinery.
int childScriptUntracedSwitch(int argc, char** argv) {
    const Workload w = workloadFromArgs(argc, argv);
    const QTemporaryDir dir;
    const QString path = writeScript(dir, w);
    QCoreApplication app(argc, argv);
    coroscope::script::ScriptRuntime runtime;
    if (const auto error = runtime.load(path)) {
        std::fprintf(stderr, "%s\n", qPrintable(error->toString()));
        return 2;
    }
    std::map<QByteArray, std::int64_t> cpuStart, cpuEnd;
    QObject::connect(&runtime, &coroscope::script::ScriptRuntime::logged, [&](const QString& line) {
        if (line == QLatin1String("start"))
            cpuStart = threadCpu();
        else if (line.startsWith(QLatin1String("switch_ms ")))
            cpuEnd = threadCpu();
    });
    const auto main = runtime.startMain();
    // Polled like WorkloadRun polls it; the script times itself, so the period does not matter.
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, [&] {
        if (main->isDone())
            QCoreApplication::quit();
    });
    poll.start(10);
    app.exec();
    const std::optional<std::int64_t> ns = loggedSwitchNs(runtime.logLines());
    if (!ns || main->status() != coroscope::script::ScriptFuture::Status::Resolved) {
        std::fprintf(stderr, "the untraced script failed: %s\n", qPrintable(main->value().toString()));
        return 1;
    }
    reportThreadCpu(cpuStart, cpuEnd, *ns);
    std::printf("%lld\n", static_cast<long long>(*ns));
    return 0;
}

/// The asyncio peer: times gather(...) of `tasks` workers doing `switches` sleep(0) each, itself.
const char* const kAsyncioSource = R"PY(
import asyncio, logging, sys, time
tasks, switches, debug = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == 'debug'
logging.getLogger('asyncio').setLevel(logging.ERROR)  # debug mode's slow-callback lines
async def worker():
    for _ in range(switches):
        await asyncio.sleep(0)
async def main():
    await asyncio.sleep(0.3)  # as the script does before it starts the clock
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(tasks)))
    return time.perf_counter() - start
print(int(asyncio.run(main(), debug=debug) * 1e9))
)PY";

QString python3() {
    return QStandardPaths::findExecutable(QStringLiteral("python3"));
}

int childAsyncio(int argc, char** argv, bool debug) {
    const Workload w = workloadFromArgs(argc, argv);
    QCoreApplication app(argc, argv);
    QProcess python;
    python.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    python.start(python3(), {QStringLiteral("-c"), QString::fromUtf8(kAsyncioSource),
                             QString::number(w.tasks), QString::number(w.switchesPerTask),
                             debug ? QStringLiteral("debug") : QStringLiteral("plain")});
    if (!python.waitForFinished(-1) || python.exitStatus() != QProcess::NormalExit ||
        python.exitCode() != 0) {
        std::fprintf(stderr, "python3 failed: %s\n", qPrintable(python.errorString()));
        return 1;
    }
    std::printf("%s\n", python.readAllStandardOutput().trimmed().constData());
    return 0;
}

int childAsyncioPlain(int argc, char** argv) {
    return childAsyncio(argc, argv, false);
}

int childAsyncioDebug(int argc, char** argv) {
    return childAsyncio(argc, argv, true);
}

constexpr ChildMode kChildModes[] = {
    {"asyncio", childAsyncioPlain},
    {"asyncio-debug", childAsyncioDebug},
    {"raw-switch", childRawSwitch},
    {"script-switch", childScriptSwitch},
    {"script-untraced-switch", childScriptUntracedSwitch},
};

// ------------------------------------------------------------------------------------------------
// Parent

std::optional<ChildOutcome> runChild(const char* mode, int run) {
    QString program; // this binary: with the malloc interposer when `coroscope` has it
#ifdef COROSCOPE_UNTRACKED_CHILD
    // Raw QCoro and the bare JS engine run without heap tracking, as they would without Coroscope.
    if (std::strcmp(mode, "script-switch") != 0)
        program = QStringLiteral(COROSCOPE_UNTRACKED_CHILD);
#endif
    return coroscope::bench::runChild("script_bench", mode, /*unixDispatcher (the runner's)*/ true, run, {},
                                      program);
}

/// Median over repetitions of a[i] / b[i].
double medianRatio(const std::vector<double>& a, const std::vector<double>& b) {
    std::vector<double> ratios;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
        ratios.push_back(a[i] / b[i]);
    return median(ratios);
}

void printRuns(const char* name, const std::vector<double>& ns) {
    std::printf("%s:", name);
    for (double v : ns)
        std::printf(" %.1f", v / 1e6);
    std::printf("\n");
}

int runParent() {
    const Workload w;
    const double switches = double(w.switches());
    const bool havePython = !python3().isEmpty();
    constexpr const char* kModes[] = {"raw-switch", "script-switch", "script-untraced-switch", "asyncio",
                                      "asyncio-debug"};
    // Times in ns, by variant (index into kModes), one per repetition (debug mode: some).
    std::vector<double> times[5];
    std::vector<double> scriptAtDebugRuns; // the script's time in the repetitions debug mode ran
    std::vector<double> tracedOthersCpu;   // ns of CPU the profiler's threads used, per traced run
    bool checksFailed = false;
    const MachineCpu cpuStart = MachineCpu::now();
    const auto wallStart = SteadyClock::now();
    for (int rep = 0; rep < g_repetitions; ++rep) {
        // Rotate and flip the order, so a drift in speed favours no variant.
        std::vector<int> order{0, 1, 2};
        if (havePython)
            order.push_back(3);
        if (havePython && rep % 7 == 0)
            order.push_back(4);
        std::rotate(order.begin(), order.begin() + rep % order.size(), order.end());
        if ((rep / 3) % 2)
            std::reverse(order.begin(), order.end());
        for (int variant : order) {
            const auto outcome = runChild(kModes[variant], rep);
            if (!outcome)
                return 1;
            checksFailed |= outcome->checksFailed;
            times[variant].push_back(outcome->values[0]);
            if (variant == 1 && outcome->values.size() > 1)
                tracedOthersCpu.push_back(outcome->values[1] / outcome->values[0]);
        }
        if (havePython && rep % 7 == 0)
            scriptAtDebugRuns.push_back(times[1].back());
    }
    const MachineCpu cpuEnd = MachineCpu::now();
    const double wallNs = double(nanosBetween(wallStart, SteadyClock::now()));
    const std::vector<double>& raw = times[0];
    const std::vector<double>& script = times[1];
    const std::vector<double>& untraced = times[2];
    // Rates are switches / time: the rate ratio is raw time / script time.
    std::printf("script_switches_per_s: %.0f\n", switches * 1e9 / median(script));
    std::printf("raw_switches_per_s: %.0f\n", switches * 1e9 / median(raw));
    std::printf("script_switch_ratio: %.3f\n", medianRatio(raw, script));
    std::printf("script_switch_ratio_min: %.3f\n",
                *std::min_element(raw.begin(), raw.end()) / *std::min_element(script.begin(), script.end()));
    std::printf("script_ns_per_switch: %.1f\n", median(script) / switches);
    std::printf("raw_ns_per_switch: %.1f\n", median(raw) / switches);
    std::printf("script_untraced_switches_per_s: %.0f\n", switches * 1e9 / median(untraced));
    std::printf("script_untraced_switch_ratio: %.3f\n", medianRatio(raw, untraced));
    std::printf("script_untraced_ns_per_switch: %.1f\n", median(untraced) / switches);
    // Where the script's time goes, per switch: the JS engine and runtime (untraced - raw) and the
    // tracing (traced - untraced), each the median of per-repetition differences.
    std::vector<double> engineNs, tracingNs;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        engineNs.push_back((untraced[i] - raw[i]) / switches);
        tracingNs.push_back((script[i] - untraced[i]) / switches);
    }
    std::printf("script_engine_ns_per_switch: %.1f\n", median(engineNs));
    std::printf("script_tracing_ns_per_switch: %.1f\n", median(tracingNs));
    std::printf("script_profiler_threads_cpu_cores: %.2f\n", median(tracedOthersCpu));
    // Against asyncio: the traced script's rate over asyncio's, per repetition (both ran in it).
    if (havePython) {
        const std::vector<double>& asyncio = times[3];
        const std::vector<double>& debug = times[4];
        std::printf("asyncio_switches_per_s: %.0f\n", switches * 1e9 / median(asyncio));
        std::printf("asyncio_debug_switches_per_s: %.0f\n", switches * 1e9 / median(debug));
        std::printf("script_vs_asyncio_ratio: %.3f\n", medianRatio(asyncio, script));
        std::printf("script_vs_asyncio_ratio_min: %.3f\n",
                    *std::min_element(asyncio.begin(), asyncio.end()) /
                        *std::min_element(script.begin(), script.end()));
        std::printf("script_vs_asyncio_debug_ratio: %.3f\n", medianRatio(debug, scriptAtDebugRuns));
        printRuns("asyncio_runs_ms", asyncio);
        printRuns("asyncio_debug_runs_ms", debug);
    } else {
        std::printf("asyncio: python3 not on the PATH, not compared\n");
    }
    printRuns("raw_runs_ms", raw);
    printRuns("script_runs_ms", script);
    printRuns("script_untraced_runs_ms", untraced);
    coroscope::bench::printMachineLoad(cpuStart, cpuEnd, wallNs);
    std::printf("checks: %s\n", checksFailed ? "FAILED (see stderr)" : "ok");
    return checksFailed ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
    return coroscope::bench::benchMain("script_bench", argc, argv, kChildModes, g_repetitions, runParent,
                                       "       script_bench --child MODE [tasks switches-per-task]\n");
}
