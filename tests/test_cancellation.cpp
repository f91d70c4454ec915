// Cancellation (QCoro 0.8 has none: the tracker provides it) and co_await on everything QCoro
// can await, from inside a traced task.
#include "testsupport.h"
#include <coroscope/sleep.h>
#include <coroscope/task.h>

#include <QFuture>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtConcurrent>
#include <qcoro/qcorofuture.h>
#include <qcoro/qcoronetworkreply.h>
#include <qcoro/qcoroprocess.h>
#include <qcoro/qcorotimer.h>

using namespace coroscope;
using namespace coroscope::test;
using namespace std::chrono_literals;

namespace {

struct Cleanup {
    bool* ran;
    ~Cleanup() { *ran = true; }
};

Task<> sleepsWithCleanup(bool* cleanupRan, bool* passedAwait) {
    Cleanup guard{cleanupRan};
    co_await sleepFor(1h);
    *passedAwait = true;
}

Task<> sleepsBriefly(int* resumes) {
    co_await sleepFor(30ms);
    ++*resumes;
}

Task<> awaitsTimer(QTimer* timer, int* ticks) {
    for (;;) {
        co_await timer;
        ++*ticks;
    }
}

Task<> sleepsTwiceOnOneSleep(std::chrono::milliseconds* lastSleep) {
    Sleep s(10ms);
    co_await s;
    co_await s;
    const auto before = std::chrono::steady_clock::now();
    co_await sleepFor(50ms);
    *lastSleep =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - before);
}

Task<int> slowValue() {
    co_await sleepFor(20ms);
    co_return 5;
}

Task<> awaitsShared(Task<int>* shared, bool* threw) {
    try {
        co_await *shared;
    } catch (const std::logic_error&) {
        *threw = true;
    }
}

Task<> waitsOnQCoroSleep(bool* passedAwait) {
    co_await QCoro::sleepFor(50ms);
    *passedAwait = true;
}

Task<> refusesCancellation() {
    try {
        co_await sleepFor(1h);
    } catch (const CancelledError&) {
        // asyncio allows a task to refuse: it goes on and completes
    }
    co_await sleepFor(1ms);
}

Task<> cancelsItself(bool* passedAwait) {
    TaskContext::running()->requestCancel();
    co_await sleepFor(1ms); // the pending cancellation is delivered here, without suspending
    *passedAwait = true;
}

Task<int> sleepyChild() {
    co_await sleepFor(1h);
    co_return 1;
}

Task<> awaitsChild(std::uint64_t* childId) {
    Task<int> c = sleepyChild();
    *childId = c.id();
    co_await c;
}

QCoro::Task<int> qcoroSeven() {
    co_await QCoro::sleepFor(1ms);
    co_return 7;
}

Task<int> tracedEleven() {
    co_await sleepFor(1ms);
    co_return 11;
}

QCoro::Task<int> qcoroAwaitsTraced() {
    co_return co_await tracedEleven() + 1;
}

/// A one-shot HTTP server on loopback for the QNetworkReply case.
class TinyHttpServer : public QTcpServer {
public:
    TinyHttpServer() {
        connect(this, &QTcpServer::newConnection, this, [this] {
            QTcpSocket* socket = nextPendingConnection();
            connect(socket, &QTcpSocket::readyRead, socket, [socket] {
                socket->readAll();
                QTimer::singleShot(30ms, socket, [socket] {
                    socket->write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
                    socket->disconnectFromHost();
                });
            });
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        });
        listen(QHostAddress::LocalHost);
    }
};

struct Results {
    bool timer = false;
    bool qcoroSleep = false;
    int future = 0;
    int qcoroTask = 0;
    bool process = false;
    QByteArray body;
    int traced = 0;
    int qcoroAwaitingTraced = 0;
};

Task<> awaitsEverything(Results* r, QNetworkAccessManager* nam, QUrl url) {
    QTimer timer;
    timer.setSingleShot(true);
    timer.start(5ms);
    co_await timer;
    r->timer = true;

    co_await QCoro::sleepFor(5ms);
    r->qcoroSleep = true;

    QFuture<int> future = QtConcurrent::run([] { return 42; });
    r->future = co_await future;

    r->qcoroTask = co_await qcoroSeven();

    QProcess process;
    process.start(QStringLiteral("/bin/true"), {});
    r->process = co_await qCoro(process).waitForFinished() && process.exitCode() == 0;

    QNetworkReply* reply = nam->get(QNetworkRequest(url));
    co_await reply;
    r->body = reply->readAll();
    reply->deleteLater();

    r->traced = co_await tracedEleven();
    r->qcoroAwaitingTraced = co_await qcoroAwaitsTraced();
}

} // namespace

class TestCancellation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cancelledTaskRunsCleanupAndEndsCancelled();
    void cancelWhileInnerQCoroAwaitIsPendingIsSafe();
    void cancelledSleepNeverFiresLater();
    void cancelWhileAwaitingALongLivedTimerIsSafe();
    void awaitingOneSleepTwiceResumesOnce();
    void secondConcurrentAwaitIsRefused();
    void taskMayRefuseCancellation();
    void cancellingARunningTaskDeliversAtNextAwait();
    void cancelPropagatesToTheAwaitedTask();
    void cancelAllOnThisThread();
    void awaitsEverythingQCoroAwaits();
};

void TestCancellation::cancelledTaskRunsCleanupAndEndsCancelled() {
    Profiler profiler;
    profiler.start();
    bool cleanupRan = false;
    bool passedAwait = false;
    Task<> task = sleepsWithCleanup(&cleanupRan, &passedAwait);
    QCOMPARE(task.state(), TaskState::Suspended);
    task.cancel();
    QVERIFY(!cleanupRan); // resumed from the loop, not from inside cancel()
    QVERIFY(spinUntil([&] { return task.isDone(); }, 2s));
    QVERIFY(cleanupRan);
    QVERIFY(!passedAwait);
    QCOMPARE(task.state(), TaskState::Cancelled);
    profiler.stop();
    const RunSnapshot s = profiler.snapshot();
    const TaskInfo* info = s.task(task.id());
    QVERIFY(info);
    QCOMPARE(info->state, TaskState::Cancelled);
    QVERIFY(info->cancelRequested);
    QVERIFY(info->error.isEmpty());
}

// The inner QCoro sleep still holds our relay after the task is gone; when it fires later it must
// not resume the finished task (this crashed before relays).
void TestCancellation::cancelWhileInnerQCoroAwaitIsPendingIsSafe() {
    bool passedAwait = false;
    Task<> task = waitsOnQCoroSleep(&passedAwait);
    task.cancel();
    QVERIFY(spinUntil([&] { return task.isDone(); }, 2s));
    task = Task<>();                                          // frees the frame
    QVERIFY(spinUntil([] { return false; }, 120ms) == false); // the QCoro timer fires meanwhile
    QVERIFY(!passedAwait);
}

// Regression: a cancel-aware sleep must stop its timer on cancel, else the timer would resume the
// (finished, freed) task a second time when it fires.
void TestCancellation::cancelledSleepNeverFiresLater() {
    int resumes = 0;
    Task<> task = sleepsBriefly(&resumes);
    task.cancel();
    QVERIFY(spinUntil([&] { return task.isDone(); }, 2s));
    task = Task<>();
    QVERIFY(spinUntil([] { return false; }, 80ms) == false); // well past the 30 ms it slept for
    QCOMPARE(resumes, 0);
}

// Regression (review): QCoro 0.8's QTimer awaiter captures itself in a connection; a cancelled
// task freed it and the next timeout read freed memory. Our timer awaiter disconnects on cancel.
void TestCancellation::cancelWhileAwaitingALongLivedTimerIsSafe() {
    QTimer timer;
    timer.start(5ms);
    int ticks = 0;
    Task<> task = awaitsTimer(&timer, &ticks);
    QVERIFY(spinUntil([&] { return ticks >= 2; }, 2s));
    task.cancel();
    QVERIFY(spinUntil([&] { return task.isDone(); }, 2s));
    task = Task<>();
    const int ticksAtCancel = ticks;
    QVERIFY(spinUntil([] { return false; }, 40ms) == false); // the timer keeps firing
    QCOMPARE(ticks, ticksAtCancel);
}

// Regression (review): each await of the same Sleep added a connection; the old one resumed the
// task a second time and cut its next sleep short.
void TestCancellation::awaitingOneSleepTwiceResumesOnce() {
    std::chrono::milliseconds lastSleep{0};
    Task<> task = sleepsTwiceOnOneSleep(&lastSleep);
    QVERIFY(spinUntil([&] { return task.isDone(); }, 2s));
    QVERIFY2(lastSleep >= 45ms, qPrintable(QString::number(lastSleep.count())));
}

// Regression (review): a second awaiter replaced the first, which then never resumed.
void TestCancellation::secondConcurrentAwaitIsRefused() {
    Task<int> shared = slowValue();
    bool firstThrew = false;
    bool secondThrew = false;
    Task<> first = awaitsShared(&shared, &firstThrew);
    Task<> second = awaitsShared(&shared, &secondThrew);
    spinUntil([&] { return first.isDone() && second.isDone(); }, 2s);
    qWarning("DEBUG shared %d first %d second %d firstThrew %d secondThrew %d", shared.isDone(),
             first.isDone(), second.isDone(), firstThrew, secondThrew);
    QVERIFY(!firstThrew);
    QVERIFY(secondThrew);
}

void TestCancellation::taskMayRefuseCancellation() {
    Task<> task = refusesCancellation();
    task.cancel();
    QVERIFY(spinUntil([&] { return task.isDone(); }, 2s));
    QCOMPARE(task.state(), TaskState::Completed);
}

void TestCancellation::cancellingARunningTaskDeliversAtNextAwait() {
    bool passedAwait = false;
    Task<> task = cancelsItself(&passedAwait);
    QVERIFY(task.isDone()); // it never suspended
    QVERIFY(!passedAwait);
    QCOMPARE(task.state(), TaskState::Cancelled);
}

void TestCancellation::cancelPropagatesToTheAwaitedTask() {
    std::uint64_t childId = 0;
    Profiler profiler;
    profiler.start();
    Task<> parent = awaitsChild(&childId);
    parent.cancel();
    QVERIFY(spinUntil([&] { return parent.isDone(); }, 2s));
    QCOMPARE(parent.state(), TaskState::Cancelled);
    profiler.stop();
    const RunSnapshot s = profiler.snapshot();
    QVERIFY(s.task(childId));
    QCOMPARE(s.task(childId)->state, TaskState::Cancelled);
    QCOMPARE(s.tasksByState[std::size_t(TaskState::Cancelled)], std::uint64_t(2));
}

void TestCancellation::cancelAllOnThisThread() {
    bool cleanup[5] = {};
    bool passed[5] = {};
    std::vector<Task<>> tasks;
    for (int i = 0; i < 5; ++i)
        tasks.push_back(sleepsWithCleanup(&cleanup[i], &passed[i]));
    QCOMPARE(TaskContext::liveCountOnThisThread(), 5);
    QCOMPARE(TaskContext::cancelAllOnThisThread(), 5);
    QVERIFY(spinUntil(
        [&] { return std::all_of(tasks.begin(), tasks.end(), [](auto& t) { return t.isDone(); }); }));
    QCOMPARE(TaskContext::liveCountOnThisThread(), 0);
    for (int i = 0; i < 5; ++i) {
        QVERIFY(cleanup[i]);
        QVERIFY(!passed[i]);
    }
}

void TestCancellation::awaitsEverythingQCoroAwaits() {
    TinyHttpServer server;
    QVERIFY(server.isListening());
    QNetworkAccessManager nam;
    Profiler profiler;
    profiler.start();
    Results r;
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/x").arg(server.serverPort()));
    Task<> task = spawn(QStringLiteral("everything"), [&] { return awaitsEverything(&r, &nam, url); });
    bool sawNetworkAwait = false;
    QVERIFY(spinUntil(
        [&] {
            if (!sawNetworkAwait) {
                const RunSnapshot s = profiler.snapshot();
                const TaskInfo* t = s.task(task.id());
                sawNetworkAwait = t && t->awaiting.startsWith(QStringLiteral("network http://127.0.0.1"));
            }
            return task.isDone();
        },
        10s));
    QCOMPARE(task.state(), TaskState::Completed);
    QVERIFY(r.timer);
    QVERIFY(r.qcoroSleep);
    QCOMPARE(r.future, 42);
    QCOMPARE(r.qcoroTask, 7);
    QVERIFY(r.process);
    QCOMPARE(r.body, QByteArray("hello"));
    QCOMPARE(r.traced, 11);
    QCOMPARE(r.qcoroAwaitingTraced, 12);
    QVERIFY(sawNetworkAwait);
    profiler.stop();
    const RunSnapshot s = profiler.snapshot();
    const TaskInfo* info = s.task(task.id());
    QVERIFY(info);
    // One resume per await that suspended: timer, sleep, future, qcoro task, process, network,
    // traced task, qcoro task awaiting a traced one.
    QCOMPARE(info->resumes, 8u);
}

COROSCOPE_TEST_MAIN(TestCancellation)
#include "test_cancellation.moc"
