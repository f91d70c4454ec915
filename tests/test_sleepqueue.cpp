// coroscope::Sleep waits in one heap per thread (core/instrument/sleepqueue.cpp), not a QTimer
// each: these pin what the QTimers gave for free — due order, FIFO among equals, each wake-up a
// dispatch of its own, cancellation and destruction mid-sleep — and what they could not: Qt sees
// one timer however many tasks sleep.
#include <coroscope/sleep.h>
#include <coroscope/task.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>
#include <QtTest>

#include <functional>
#include <optional>
#include <vector>

using namespace std::chrono_literals;
using coroscope::sleepFor;
using coroscope::Task;

namespace {

Task<> sleepThenLog(std::chrono::milliseconds ms, int tag, std::vector<int>* log) {
    co_await sleepFor(ms);
    log->push_back(tag);
}

/// Records which event each wake-up came in, through a filter on the whole application.
class DispatchCounter : public QObject {
public:
    int dispatches = 0;
    bool eventFilter(QObject*, QEvent*) override {
        ++dispatches;
        return false;
    }
};

Task<> sleepThenNoteDispatch(std::chrono::milliseconds ms, const DispatchCounter* counter,
                             std::vector<int>* seenAt) {
    co_await sleepFor(ms);
    seenAt->push_back(counter->dispatches);
}

/// A bare coroutine that runs `body` when resumed: an await_suspend target outside any task.
struct OnResume {
    struct promise_type {
        OnResume get_return_object() { return {std::coroutine_handle<promise_type>::from_promise(*this)}; }
        std::suspend_always initial_suspend() noexcept { return {}; }
        std::suspend_always final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }
    };
    std::coroutine_handle<promise_type> handle;
};

OnResume onResume(std::function<void()> body) {
    body();
    co_return;
}

} // namespace

class TestSleepQueue : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void wakesInDueOrderAndFifoAmongEquals();
    void eachWakeUpIsADispatchOfItsOwn();
    void aCancelledSleepNeverWakes();
    void aSleepDestroyedWhileDueNeverWakes();
    void aShortSleepAmongManyLongOnesWakesFirst();
    void worksOnAnyThreadWithALoop();
};

void TestSleepQueue::wakesInDueOrderAndFifoAmongEquals() {
    std::vector<int> log;
    std::vector<Task<>> tasks;
    // Tags 1..3 due at 20 ms in spawn order, 4 at 0 ms, 5 at 10 ms, 6 at 40 ms.
    for (const auto& [ms, tag] :
         std::vector<std::pair<int, int>>{{20, 1}, {20, 2}, {40, 6}, {0, 4}, {20, 3}, {10, 5}})
        tasks.push_back(sleepThenLog(std::chrono::milliseconds(ms), tag, &log));
    QTRY_COMPARE(log.size(), std::size_t(6));
    QCOMPARE(log, (std::vector<int>{4, 5, 1, 2, 3, 6}));
}

void TestSleepQueue::eachWakeUpIsADispatchOfItsOwn() {
    // Three sleeps due at the same instant: each resumes in a different dispatch, so a step that
    // blocks is one slow callback of its own task, not of whichever woke first.
    DispatchCounter counter;
    qApp->installEventFilter(&counter);
    std::vector<int> seenAt;
    std::vector<Task<>> tasks;
    for (int i = 0; i < 3; ++i)
        tasks.push_back(sleepThenNoteDispatch(5ms, &counter, &seenAt));
    QTRY_COMPARE(seenAt.size(), std::size_t(3));
    qApp->removeEventFilter(&counter);
    QVERIFY2(seenAt[0] < seenAt[1] && seenAt[1] < seenAt[2], "two wake-ups shared a dispatch");
}

void TestSleepQueue::aCancelledSleepNeverWakes() {
    std::vector<int> log;
    Task<> early = sleepThenLog(5ms, 1, &log);
    Task<> cancelled = sleepThenLog(10ms, 2, &log);
    Task<> late = sleepThenLog(20ms, 3, &log);
    QTest::qWait(1);
    cancelled.cancel();
    QTRY_VERIFY(late.isDone());
    QTest::qWait(30);
    QCOMPARE(log, (std::vector<int>{1, 3}));
    QVERIFY(cancelled.isDone());
}

void TestSleepQueue::aSleepDestroyedWhileDueNeverWakes() {
    // Both due at once: the first to wake destroys the second, whose wake-up is already posted.
    std::optional<coroscope::Sleep> second(std::in_place, 0ms);
    bool secondWoke = false;
    bool firstWoke = false;
    OnResume wakeSecond = onResume([&] { secondWoke = true; });
    OnResume wakeFirst = onResume([&] {
        firstWoke = true;
        second.reset();
    });
    coroscope::Sleep first(0ms);
    first.await_suspend(wakeFirst.handle);
    second->await_suspend(wakeSecond.handle);
    QTRY_VERIFY(firstWoke);
    QTest::qWait(20);
    QVERIFY(!secondWoke);
    wakeFirst.handle.destroy();
    wakeSecond.handle.destroy();
}

void TestSleepQueue::aShortSleepAmongManyLongOnesWakesFirst() {
    // With a QTimer per sleep, each short timer walked all the long ones (Qt's sorted list).
    std::vector<int> log;
    std::vector<Task<>> sleepers;
    sleepers.reserve(100'000);
    for (int i = 0; i < 100'000; ++i)
        sleepers.push_back(sleepThenLog(1h, 0, &log));
    Task<> shortOne = sleepThenLog(1ms, 1, &log);
    QTRY_COMPARE(log, std::vector<int>{1});
    for (auto& t : sleepers)
        t.cancel();
    QTRY_VERIFY(sleepers.back().isDone());
    QCOMPARE(log, std::vector<int>{1});
}

void TestSleepQueue::worksOnAnyThreadWithALoop() {
    std::vector<int> log;
    QThread worker;
    worker.start();
    QObject context;
    context.moveToThread(&worker);
    std::vector<Task<>> tasks;
    QMetaObject::invokeMethod(&context, [&] {
        tasks.push_back(sleepThenLog(10ms, 2, &log));
        tasks.push_back(sleepThenLog(1ms, 1, &log));
    });
    QTRY_COMPARE(log.size(), std::size_t(2));
    QCOMPARE(log, (std::vector<int>{1, 2}));
    QMetaObject::invokeMethod(
        &context, [&] { tasks.clear(); }, Qt::BlockingQueuedConnection);
    worker.quit();
    worker.wait();
}

QTEST_GUILESS_MAIN(TestSleepQueue)
#include "test_sleepqueue.moc"
