#include "demo.h"

#include "commandhelp.h"
#include "model/format.h"
#include <coroscope/instrumentedapplication.h>
#include <coroscope/profiler.h>
#include <coroscope/sleep.h>
#include <coroscope/task.h>

#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>
#include <optional>
#include <stdexcept>
#include <thread>

namespace coroscope::app {
namespace {

using namespace std::chrono_literals;

// The seeds' `time.sleep(5)` inside a coroutine: a synchronous wait on the loop thread.
[[gnu::noinline]] void parseDocumentBlocking(std::chrono::milliseconds duration) {
    std::this_thread::sleep_for(duration);
}

Task<int> fetch(int i) {
    co_await sleepFor(20ms * (i + 1));
    co_return i* i;
}

Task<> fetcher() {
    int sum = 0;
    for (int i = 0; i < 5; ++i)
        sum += co_await fetch(i);
    (void)sum;
}

Task<> parser() {
    co_await sleepFor(50ms);
    parseDocumentBlocking(250ms);
    co_await sleepFor(10ms);
}

Task<> validator() {
    co_await sleepFor(30ms);
    throw std::runtime_error("schema mismatch in record 42");
}

Task<> waitForever() {
    co_await sleepFor(1h);
}

void print(const QString& line) {
    std::printf("%s\n", line.toUtf8().constData());
}

void printFindings(const RunSnapshot& s) {
    print(QStringLiteral("Tasks: %1 total").arg(s.tasksTotal));
    for (int i = 0; i < kTaskStateCount; ++i)
        if (s.tasksByState[std::size_t(i)])
            print(QStringLiteral("  %1: %2")
                      .arg(QString::fromLatin1(taskStateName(TaskState(i)).data()))
                      .arg(s.tasksByState[std::size_t(i)]));
    print(QStringLiteral("Loop lag: p50 %1, p99 %2, max %3; utilization %4 %")
              .arg(formatDuration(s.loopLagMicros.percentile(50) * 1000),
                   formatDuration(s.loopLagMicros.percentile(99) * 1000),
                   formatDuration(s.loopLagMicros.max() * 1000))
              .arg(s.loopUtilization * 100, 0, 'f', 1));
    print(QStringLiteral("Memory: RSS %1 (peak %2)")
              .arg(formatBytes(double(s.memoryStats.rssEndBytes)),
                   formatBytes(double(s.memoryStats.rssPeakBytes))));
    print(QStringLiteral("Slow callbacks: %1").arg(s.slowCallbacks.size()));
    for (const SlowCallback& slow : s.slowCallbacks) {
        print(QStringLiteral("  %1 in task '%2' (%3)")
                  .arg(formatDuration(slow.durationNs), slow.taskName, slow.eventType));
        const QStringList frames = slow.stack.split(u'\n', Qt::SkipEmptyParts);
        for (qsizetype i = 0; i < std::min<qsizetype>(frames.size(), 6); ++i)
            print(QStringLiteral("      ") + frames[i]);
    }
    print(QStringLiteral("Diagnostics: %1").arg(s.diagnostics.size()));
    for (const Diagnostic& d : s.diagnostics)
        print(QStringLiteral("  [%1] %2: %3")
                  .arg(QString::fromLatin1(severityName(d.severity)), d.rule, d.message));
    if (s.drops.records)
        print(QStringLiteral("Dropped records: %1").arg(s.drops.records));
}

/// A duration like `coroscope run` takes (250ms, 1s); a bare number is milliseconds, as the
/// option always took.
std::optional<std::chrono::nanoseconds> parseThreshold(const QString& text) {
    bool isNumber = false;
    const qlonglong ms = text.toLongLong(&isNumber);
    if (isNumber)
        return ms > 0 ? std::optional(std::chrono::nanoseconds(std::chrono::milliseconds(ms))) : std::nullopt;
    const auto value = parseDuration(text);
    return value && value->count() > 0 ? value : std::nullopt;
}

} // namespace

int runDemo(int argc, char** argv) {
    // argv[0] is "demo": the application is given only that, so Qt takes none of the options.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    int appArgc = 1;
    InstrumentedCoreApplication app(appArgc, argv);
    QCommandLineParser options;
    options.setApplicationDescription(
        QStringLiteral("Runs a native C++ workload with planted problems on the instrumented event loop\n"
                       "for 2 s, headless, and prints what Coroscope found: a callback that blocks the\n"
                       "loop for 250 ms (slow-callback, with its stack), a failed task nobody awaits\n"
                       "(exception-never-retrieved), a task waiting forever (stuck-task after 1 s,\n"
                       "task-leaked at the end). Records no session.\n\n"
                       "Exit codes: 0 done, 2 bad input."));
    const QCommandLineOption threshold(
        QStringLiteral("slow-threshold"),
        QStringLiteral("Slow-callback threshold (default 100ms; a bare number is milliseconds)."),
        QStringLiteral("T"));
    options.addOption(threshold);
    options.addOption(helpOption());
    if (!options.parse(arguments)) {
        std::fprintf(stderr, "coroscope demo: %s\n", options.errorText().toUtf8().constData());
        return 2;
    }
    if (options.isSet(QStringLiteral("help"))) {
        printCommandHelp(options, QStringLiteral("demo"));
        return 0;
    }
    if (!options.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "coroscope demo: unexpected argument '%s' (see coroscope demo --help)\n",
                     options.positionalArguments().constFirst().toUtf8().constData());
        return 2;
    }
    Settings settings;
    settings.stuckTaskThreshold = 1s; // the demo is short
    if (options.isSet(threshold)) {
        const auto value = parseThreshold(options.value(threshold));
        if (!value) {
            std::fprintf(stderr,
                         "coroscope demo: --slow-threshold: '%s' is not a duration (like 250ms, 1s)\n",
                         options.value(threshold).toUtf8().constData());
            return 2;
        }
        settings.slowCallbackThreshold = *value;
    }
    Profiler profiler(settings);
    profiler.start();

    std::printf("Running the native demo for 2 s (slow-callback threshold %s)...\n",
                formatDuration(settings.slowCallbackThreshold.count()).toUtf8().constData());
    Task<> a = spawn(QStringLiteral("fetcher"), fetcher);
    Task<> b = spawn(QStringLiteral("parser"), parser);
    Task<> c = spawn(QStringLiteral("validator"), validator);
    Task<> d = spawn(QStringLiteral("waiter"), waitForever);
    QTimer::singleShot(2s, &app, [&] {
        c = Task<>(); // drop the failed validator unawaited: its exception is lost
        QCoreApplication::quit();
    });
    app.exec();
    profiler.stop();
    printFindings(profiler.snapshot());
    return 0;
}

} // namespace coroscope::app
