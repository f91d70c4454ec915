// A Qt program using the Coroscope SDK's tasks: one crawls pages, one fills a cache, one blocks
// the loop for 200 ms after an await, one waits to the end. On its own it runs as any QCoro program would;
// under `coroscope launch` its tasks, their await points and the heap each allocated land in the session.
#include <coroscope/sleep.h>
#include <coroscope/task.h>

#include <QCoreApplication>
#include <QTimer>

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

// Stands for a synchronous call in a coroutine (asyncio's time.sleep): the loop waits for it.
[[gnu::noinline]] void digestReportBlocking() {
    std::this_thread::sleep_for(200ms);
    asm volatile("" ::: "memory");
}

coroscope::Task<int> fetchPage(int page) {
    co_await coroscope::sleepFor(10ms * (page + 1));
    co_return page * 10;
}

coroscope::Task<> crawl() {
    int total = 0;
    for (int page = 0; page < 4; ++page)
        total += co_await fetchPage(page);
    std::printf("crawled %d\n", total);
}

// Keeps 8 blocks of 512 KiB: 4 MiB live, paid for by this task.
coroscope::Task<> fillCache(std::vector<std::vector<char>>& cache) {
    for (int i = 0; i < 8; ++i) {
        cache.emplace_back(512 * 1024, char(i));
        co_await coroscope::sleepFor(5ms);
    }
}

coroscope::Task<> report() {
    co_await coroscope::sleepFor(30ms);
    digestReportBlocking();
}

// Waits for requests that never come: still suspended when the program ends, where the session
// shows what it awaits.
coroscope::Task<> listen() {
    co_await coroscope::sleepFor(1h);
}

coroscope::Task<> runAll(std::vector<std::vector<char>>& cache) {
    auto crawler = coroscope::spawn(QStringLiteral("crawler"), crawl);
    auto filler = coroscope::spawn(QStringLiteral("cache-filler"), [&cache] { return fillCache(cache); });
    auto reporter = coroscope::spawn(QStringLiteral("reporter"), report);
    co_await crawler;
    co_await filler;
    co_await reporter;
    std::printf("cache %zu blocks\n", cache.size());
    QCoreApplication::quit();
}

int main(int argc, char** argv) {
    coroscope::Task<> listener; // outlives the application object, whose end ends the session
    QCoreApplication app(argc, argv);
    std::vector<std::vector<char>> cache;
    coroscope::Task<> all;
    QTimer::singleShot(0, &app, [&] {
        listener = coroscope::spawn(QStringLiteral("listener"), listen);
        all = coroscope::spawn(QStringLiteral("main"), [&cache] { return runAll(cache); });
    });
    return app.exec();
}
