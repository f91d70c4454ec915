// bench/gui: how the desktop app's GUI thread holds up while a run streams about 100 000 events
// a second into its session, and with a million-task session open. Measured with Coroscope's own
// loop monitor on the GUI thread (an Instrumented<QApplication> and a Profiler): every dispatch
// over 2 ms is recorded with its duration. Prints figures, asserts nothing.
//
//   gui_max_dispatch_ms   longest GUI-thread dispatch while following the live run, wall time
//                         (target <= 50)
//   gui_max_dispatch_cpu_ms  the GUI thread's CPU time in its longest dispatch: its own work,
//                         without the time it waited for a core the runner kept busy (goal 16)
//   gui_runqueue_wait_share  of the GUI thread's busy time, the share spent waiting for a core
//   gui_cpu_share         GUI thread CPU time / wall time over the run (target <= 0.30)
//   gui_view_paint_ms     one whole repaint of each view with the finished run's data
//   gui_1m_*              the same GUI thread with a 1 000 000-task session: open, sort by a
//                         computed column in the database, scroll to the middle, filter
#include "mainwindow/mainwindow.h"
#include "models/tasktablemodel.h"
#include "panels/tasktimeline.h"
#include "reading/sessionreader.h"
#include "run/taskstoreworker.h"
#include "syntheticsession.h"
#include "testsupport.h"
#include <coroscope/instrumentedapplication.h>
#include <coroscope/profiler.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <ctime>
#include <map>
#include <sys/resource.h>

using namespace coroscope;
using namespace std::chrono_literals;

using test::spinUntil;

namespace {

// ~200 always-busy coroutines yielding to the loop, and 2 000 short tasks spawned a second: the
// runner's session grows by ~100 000 resume segments and thousands of task rows a second.
constexpr char kStream[] = R"(
function* spinner() { for (;;) yield sleep(0); }
function* shortLived(i) { yield sleep(i % 5); }
function* main() {
    for (let i = 0; i < 200; ++i) spawn('spinner-' + (i % 10), spinner);
    for (let round = 0; ; ++round) {
        for (let i = 0; i < 200; ++i) spawn('short', shortLived, i);
        yield sleep(100);
    }
}
)";

std::int64_t threadCpuClockNs() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// The GUI application, also keeping the CPU time of each outermost dispatch: on a machine
/// whose cores the runner keeps busy, a dispatch's wall time includes waiting for a core, and
/// its CPU time is the work the GUI itself did.
class BenchApplication : public Instrumented<QApplication> {
public:
    using Instrumented<QApplication>::Instrumented;

    bool notify(QObject* receiver, QEvent* event) override {
        if (m_depth++ > 0) {
            const bool r = Instrumented<QApplication>::notify(receiver, event);
            --m_depth;
            return r;
        }
        const std::int64_t cpu0 = threadCpuClockNs();
        const bool r = Instrumented<QApplication>::notify(receiver, event);
        const double cpuMs = double(threadCpuClockNs() - cpu0) / 1e6;
        --m_depth;
        maxCpuMs = std::max(maxCpuMs, cpuMs);
        cpuOver16 += cpuMs > 16 ? 1 : 0;
        return r;
    }
    void resetCpu() {
        maxCpuMs = 0;
        cpuOver16 = 0;
    }

    double maxCpuMs = 0;
    int cpuOver16 = 0;

private:
    int m_depth = 0;
};

/// Time this thread waited for a core (run queue), from /proc: the scheduler's account.
std::int64_t runQueueWaitNs() {
    QFile f(QStringLiteral("/proc/thread-self/schedstat"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    return f.readAll().split(' ').value(1).toLongLong();
}

std::int64_t threadCpuNs() {
    rusage u{};
    ::getrusage(RUSAGE_THREAD, &u);
    return (std::int64_t(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1'000'000 + u.ru_utime.tv_usec +
            u.ru_stime.tv_usec) *
           1000;
}

/// Dispatches recorded so far (over the 2 ms threshold): the longest, and how many passed 16 ms.
struct Dispatches {
    double maxMs = 0;
    int over16 = 0;
    std::size_t seen = 0;
};

Dispatches dispatchesSince(Profiler& profiler, std::size_t from) {
    Dispatches d;
    const RunSnapshot s = profiler.snapshot();
    for (std::size_t i = from; i < s.slowCallbacks.size(); ++i) {
        const double ms = double(s.slowCallbacks[i].durationNs) / 1e6;
        d.maxMs = std::max(d.maxMs, ms);
        d.over16 += ms > 16 ? 1 : 0;
    }
    d.seen = s.slowCallbacks.size();
    if (qEnvironmentVariableIsSet("COROSCOPE_BENCH_STACKS")) {
        // Where the long dispatches were, by the innermost frame of the app (for whoever tunes this).
        std::map<QString, int> where;
        for (std::size_t i = from; i < s.slowCallbacks.size(); ++i) {
            if (s.slowCallbacks[i].durationNs < 16'000'000)
                continue;
            const QStringList frames = s.slowCallbacks[i].stack.split(u'\n');
            const auto it = std::find_if(frames.begin(), frames.end(), [](const QString& f) {
                return f.contains(QLatin1String("coroscope::ui"));
            });
            ++where[it == frames.end() ? QStringLiteral("(outside the app)")
                                       : it->section(u' ', 1, 1).left(140)];
            std::fprintf(
                stderr, "#   %.1f ms at %.2f s: %s to %s, in %s\n",
                double(s.slowCallbacks[i].durationNs) / 1e6, double(s.slowCallbacks[i].startNs) / 1e9,
                qPrintable(s.slowCallbacks[i].eventType), qPrintable(s.slowCallbacks[i].receiverClass),
                it == frames.end() ? "(outside the app)" : qPrintable(it->section(u' ', 1, 1).left(100)));
        }
        for (const auto& [frame, n] : where)
            std::fprintf(stderr, "# %4d x %s\n", n, qPrintable(frame));
    }
    return d;
}

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    BenchApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("coroscope-bench-gui"));
    Settings settings;
    settings.slowCallbackThreshold = 2ms;
    Profiler profiler(settings);
    profiler.start();
    spinUntil([&] { return profiler.isWatchdogReady(); }, 5s);

    const QTemporaryDir dir;
    const QString script = dir.filePath(QStringLiteral("stream.js"));
    {
        QFile f(script);
        if (!f.open(QIODevice::WriteOnly) || f.write(kStream) < 0)
            return 1;
    }
    ui::MainWindow window(QStringLiteral(COROSCOPE_BINARY));
    window.resize(1440, 900);
    window.show();
    window.openScript(script);
    window.runSettings().duration = 8000ms;
    spinUntil([] { return false; }, 300ms); // the window's first layout is not the run's
    std::size_t mark = dispatchesSince(profiler, 0).seen;

    // Phase 1: follow a live run, looking at each view in turn as a user would: the Summary, the
    // Event loop's charts, the task table and then its timeline, Latency, Memory.
    QElapsedTimer wall;
    wall.start();
    const std::int64_t cpu0 = threadCpuNs();
    const std::int64_t wait0 = runQueueWaitNs();
    app.resetCpu();
    window.run();
    using View = ui::MainWindow::View;
    QTimer::singleShot(1500ms, &window, [&] { window.showView(View::EventLoop); });
    QTimer::singleShot(3000ms, &window, [&] { window.showView(View::Tasks); });
    QTimer::singleShot(4000ms, &window, [&] { window.taskTabs().setCurrentIndex(1); });
    QTimer::singleShot(5500ms, &window, [&] { window.showView(View::Latency); });
    QTimer::singleShot(6500ms, &window, [&] { window.showView(View::Memory); });
    QTimer::singleShot(7500ms, &window, [&] { window.showView(View::Summary); });
    spinUntil(
        [&] {
            return !window.runner().isRunning() && window.tail().latest() && window.tail().latest()->finished;
        },
        60s);
    const double runWallNs = double(wall.nsecsElapsed());
    const double runCpu = double(threadCpuNs() - cpu0);
    const double runWait = double(runQueueWaitNs() - wait0);
    const double maxCpuMs = app.maxCpuMs;
    const int cpuOver16 = app.cpuOver16;
    const Dispatches live = dispatchesSince(profiler, mark);
    mark = live.seen;
    const session::SessionData data = session::readSession(window.tail().path(), {.taskRows = false});
    const double runSeconds = double(data.info.durationNs) / 1e9;
    std::printf("runner_events_per_s: %.0f\n",
                double(data.snapshot.segmentsTotal) / std::max(runSeconds, 1e-9));
    std::printf("runner_tasks: %llu\n", static_cast<unsigned long long>(data.snapshot.tasksTotal));
    std::printf("gui_max_dispatch_ms: %.1f\n", live.maxMs);
    std::printf("gui_dispatches_over_16ms: %d\n", live.over16);
    std::printf("gui_max_dispatch_cpu_ms: %.1f (CPU time of the GUI thread in one dispatch)\n", maxCpuMs);
    std::printf("gui_dispatches_over_16ms_cpu: %d\n", cpuOver16);
    std::printf("gui_cpu_share: %.3f\n", runCpu / runWallNs);
    std::printf("gui_runqueue_wait_share: %.3f (of the GUI thread's busy time, waiting for a core)\n",
                runWait / std::max(1.0, runWait + runCpu));
    std::printf("gui_session_reads: %d in %.1f s\n", window.tail().readsDone(), runWallNs / 1e9);

    // Phase 1b: what one whole repaint of each view costs with the finished run's data (a view
    // brought to the front is painted whole in one dispatch).
    {
        const std::pair<View, const char*> views[] = {{View::Summary, "summary"}, {View::Tasks, "tasks"},
                                                      {View::EventLoop, "loop"},  {View::Latency, "latency"},
                                                      {View::Memory, "memory"},   {View::Script, "script"}};
        std::printf("gui_view_paint_ms:");
        for (const auto& [v, name] : views) {
            window.showView(v);
            spinUntil([] { return false; }, 100ms);
            double best = 1e9;
            for (int i = 0; i < 3; ++i) {
                QElapsedTimer t;
                t.start();
                window.repaint();
                best = std::min(best, double(t.nsecsElapsed()) / 1e6);
            }
            std::printf(" %s %.1f", name, best);
        }
        std::printf("\n");
    }

    // Phase 2: a million tasks.
    const QString big = dir.filePath(QStringLiteral("million.coroscope"));
    QElapsedTimer make;
    make.start();
    test::writeSyntheticSession(big, 1'000'000, 1);
    std::fprintf(stderr, "# wrote a 1 000 000-task session in %.1f s\n", double(make.elapsed()) / 1000);
    window.taskTabs().setCurrentIndex(0);
    window.showView(ui::MainWindow::View::Tasks);
    spinUntil([] { return false; }, 200ms);
    mark = dispatchesSince(profiler, 0).seen;
    QElapsedTimer step;
    step.start();
    window.openSession(big);
    spinUntil([&] { return window.taskModel().rowCount() == 1'000'000 && window.taskModel().taskAt(0); },
              60s);
    const double openMs = double(step.elapsed());
    step.restart();
    window.showView(ui::MainWindow::View::Tasks); // opening a session shows its Summary first
    QTableView* view = nullptr;
    for (QTableView* table : window.findChildren<QTableView*>())
        if (table->model() == &window.taskModel())
            view = table;
    window.taskModel().sort(ui::TaskTableModel::Lifetime, Qt::DescendingOrder);
    spinUntil(
        [&] {
            return window.taskModel().isSettled() &&
                   window.taskModel().query().sortKey == session::taskcolumn::Lifetime;
        },
        60s);
    const double sortMs = double(step.elapsed());
    step.restart();
    if (view)
        view->scrollTo(window.taskModel().index(500'000, 0), QAbstractItemView::PositionAtCenter);
    spinUntil([&] { return window.taskModel().isSettled() && window.taskModel().taskAt(500'000); }, 30s);
    const double scrollMs = double(step.elapsed());
    step.restart();
    window.taskModel().setTextFilter(QStringLiteral("task-42"));
    spinUntil([&] { return window.taskModel().isSettled() && window.taskModel().rowCount() < 1'000'000; },
              60s);
    const double filterMs = double(step.elapsed());
    window.taskTabs().setCurrentIndex(1);
    spinUntil([&] { return window.timeline().isSettled() && window.taskStore().pending() == 0; }, 30s);
    const Dispatches million = dispatchesSince(profiler, mark);
    std::printf("gui_1m_open_ms: %.0f\n", openMs);
    std::printf("gui_1m_sort_ms: %.0f (query %lld ms, on the worker)\n", sortMs,
                static_cast<long long>(window.taskModel().lastQueryMs()));
    std::printf("gui_1m_scroll_to_middle_ms: %.0f\n", scrollMs);
    std::printf("gui_1m_filter_ms: %.0f (%d rows)\n", filterMs, window.taskModel().rowCount());
    std::printf("gui_1m_max_dispatch_ms: %.1f\n", million.maxMs);
    profiler.stop();
    return 0;
}
