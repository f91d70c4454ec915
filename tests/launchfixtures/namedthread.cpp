// A worker QThread named "render-worker" runs its own event loop; its timer slot blocks 250 ms
// twice in a named function. The main thread's timer blocks 150 ms once. Under
// `launch --thread render-worker` only the worker's blocks may be recorded.
#include <QCoreApplication>
#include <QThread>
#include <QTimer>

#include <chrono>
#include <cstdio>
#include <thread>

using namespace std::chrono_literals;

__attribute__((noinline)) void renderFrameBlocking() {
    std::this_thread::sleep_for(250ms);
    asm volatile("" ::: "memory");
}

__attribute__((noinline)) void mainThreadBlocking() {
    std::this_thread::sleep_for(150ms);
    asm volatile("" ::: "memory");
}

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QThread worker;
    worker.setObjectName(QStringLiteral("render-worker"));
    QTimer frames;
    frames.setInterval(50ms);
    frames.moveToThread(&worker);
    int rendered = 0;
    QObject::connect(&frames, &QTimer::timeout, &frames, [&] {
        renderFrameBlocking();
        if (++rendered == 2) {
            frames.stop();
            std::printf("worker rendered %d frames\n", rendered);
            std::fflush(stdout);
            QMetaObject::invokeMethod(
                &app, [] { QCoreApplication::quit(); }, Qt::QueuedConnection);
        }
    });
    QObject::connect(&worker, &QThread::started, &frames, qOverload<>(&QTimer::start));
    worker.start();
    QTimer::singleShot(20ms, &app, [] { mainThreadBlocking(); });
    const int code = app.exec();
    worker.quit();
    worker.wait();
    return code;
}
