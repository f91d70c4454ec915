// An unmodified QCoro program (no Coroscope header): 1 000 coroutines, each awaiting a zero-time
// timer 200 times. Prints its own switches per second; bench/launch runs it with and without
// `coroscope launch`.
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTimer>
#include <qcoro/qcorotask.h>
#include <qcoro/qcorotimer.h>

#include <chrono>
#include <cstdio>
#include <sys/resource.h>

namespace {

constexpr int kTasks = 1000;
constexpr int kSwitches = 200;
int g_done = 0;

QCoro::Task<> worker() {
    for (int i = 0; i < kSwitches; ++i)
        co_await QCoro::sleepFor(std::chrono::milliseconds(0));
    if (++g_done == kTasks)
        QCoreApplication::quit();
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QElapsedTimer clock;
    QTimer::singleShot(0, &app, [&clock] {
        clock.start();
        for (int i = 0; i < kTasks; ++i)
            worker();
    });
    app.exec();
    std::printf("switches_per_s: %.0f\n", double(kTasks) * kSwitches / (double(clock.nsecsElapsed()) / 1e9));
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    std::printf("peak_rss_kib: %ld\n", usage.ru_maxrss);
    return 0;
}
