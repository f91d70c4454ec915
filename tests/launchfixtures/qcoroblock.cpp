// A QCoro program, no Coroscope header: a coroutine awaits a timer, then blocks 250 ms in a named
// function. The stack must name the blocking function and the coroutine.
#include <QCoreApplication>
#include <QTimer>
#include <qcoro/qcorotask.h>
#include <qcoro/qcorotimer.h>

#include <chrono>
#include <thread>

using namespace std::chrono_literals;

__attribute__((noinline)) void blockAfterAwait() {
    std::this_thread::sleep_for(250ms);
    asm volatile("" ::: "memory");
}

QCoro::Task<> fetchAndBlock(QCoreApplication& app) {
    QTimer timer;
    timer.setSingleShot(true);
    timer.start(20ms);
    co_await timer;
    blockAfterAwait();
    app.quit();
}

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QTimer::singleShot(0, &app, [&app] { fetchAndBlock(app); });
    return app.exec();
}
