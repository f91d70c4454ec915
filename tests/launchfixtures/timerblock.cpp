// A plain Qt program, no Coroscope header: a timer slot that blocks 300 ms in a named function,
// three times, then quits. `coroscope launch` must name blockInNamedFunction in the stack.
#include <QCoreApplication>
#include <QTimer>

#include <chrono>
#include <cstdio>
#include <thread>

__attribute__((noinline)) void blockInNamedFunction(std::chrono::milliseconds ms) {
    std::this_thread::sleep_for(ms);
    asm volatile("" ::: "memory"); // not a tail call: the frame stays on the stack
}

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    int ticks = 0;
    QTimer timer;
    QObject::connect(&timer, &QTimer::timeout, &app, [&] {
        blockInNamedFunction(std::chrono::milliseconds(300));
        if (++ticks == 3)
            app.quit();
    });
    timer.start(50);
    const int code = app.exec();
    std::printf("timerblock: %d ticks\n", ticks);
    return code;
}
