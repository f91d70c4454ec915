#pragma once

#include <coroscope/instrumentedapplication.h>
#include <coroscope/profiler.h>

#include <QEventLoop>
#include <QTest>
#include <QTimer>

#include <chrono>
#include <ctime>
#include <thread>

namespace coroscope::test {

/// Runs the event loop until `done()` or `timeout`; returns done(). Unlike QTest::qWaitFor it
/// never sleeps outside the loop, so idle time is real idle time for the utilization probe.
template <typename Pred>
bool spinUntil(Pred done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    if (done())
        return true;
    QEventLoop loop;
    QTimer poll;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done() || std::chrono::steady_clock::now() >= deadline)
            loop.quit();
    });
    poll.start(std::chrono::milliseconds(2));
    loop.exec();
    return done();
}

/// Burns CPU on the calling thread (the loop thread, in tests) for `duration`.
[[gnu::noinline]] inline void burnCpu(std::chrono::milliseconds duration) {
    const auto end = std::chrono::steady_clock::now() + duration;
    volatile unsigned sink = 0;
    while (std::chrono::steady_clock::now() < end)
        for (int i = 0; i < 1000; ++i)
            sink = sink + unsigned(i);
}

/// Burns `duration` of this thread's CPU time (not wall time: a loaded machine stretches it, and
/// the CPU profile counts CPU time).
[[gnu::noinline]] inline void burnThreadCpu(std::chrono::nanoseconds duration) {
    const auto cpuNow = [] {
        timespec ts{};
        ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
    };
    const auto end = cpuNow() + duration;
    volatile unsigned sink = 0;
    while (cpuNow() < end)
        for (int i = 0; i < 1000; ++i)
            sink = sink + unsigned(i);
}

inline const Diagnostic* findDiagnostic(const RunSnapshot& s, const QString& rule, std::uint64_t taskId = 0) {
    for (const Diagnostic& d : s.diagnostics)
        if (d.rule == rule && (taskId == 0 || d.taskId == taskId))
            return &d;
    return nullptr;
}

inline int countDiagnostics(const RunSnapshot& s, const QString& rule) {
    int n = 0;
    for (const Diagnostic& d : s.diagnostics)
        n += d.rule == rule ? 1 : 0;
    return n;
}

} // namespace coroscope::test

/// Like QTEST_GUILESS_MAIN, but with the instrumented application, so dispatches are timed.
#define COROSCOPE_TEST_MAIN(TestClass)                                                                       \
    int main(int argc, char** argv) {                                                                        \
        coroscope::InstrumentedCoreApplication app(argc, argv);                                              \
        TestClass test;                                                                                      \
        return QTest::qExec(&test, argc, argv);                                                              \
    }
