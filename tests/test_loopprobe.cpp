// Loop lag (how late a timer is served) and utilization (busy share of wall time).
#include "testsupport.h"

#include <QTimer>

#include <thread>

using namespace coroscope;
using namespace coroscope::test;
using namespace std::chrono_literals;

class TestLoopProbe : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void idleLoopHasLowLagAndUtilization();
    void blockedLoopShowsAsLag();
    void halfBusyLoopIsAboutHalfUtilized();
};

void TestLoopProbe::idleLoopHasLowLagAndUtilization() {
    Profiler profiler;
    profiler.start();
    spinUntil([] { return false; }, 1200ms);
    profiler.stop();
    const RunSnapshot s = profiler.snapshot();
    // ~10 ms probe interval over 1.2 s.
    QVERIFY2(s.loopLagMicros.count() >= 80, qPrintable(QString::number(s.loopLagMicros.count())));
    QVERIFY2(s.loopLagMicros.percentile(50) < 5'000,
             qPrintable(QString::number(s.loopLagMicros.percentile(50))));
    QVERIFY2(s.loopUtilization < 0.2, qPrintable(QString::number(s.loopUtilization)));
    QVERIFY(!s.loopSeconds.empty());
}

void TestLoopProbe::blockedLoopShowsAsLag() {
    Profiler profiler;
    profiler.start();
    QTimer::singleShot(50ms, [] { std::this_thread::sleep_for(200ms); });
    spinUntil([] { return false; }, 500ms);
    profiler.stop();
    const RunSnapshot s = profiler.snapshot();
    QVERIFY2(s.loopLagMicros.max() >= 180'000, qPrintable(QString::number(s.loopLagMicros.max())));
    QVERIFY(s.loopLagMicros.max() <= 260'000);
}

void TestLoopProbe::halfBusyLoopIsAboutHalfUtilized() {
    Profiler profiler;
    profiler.start();
    QTimer duty;
    duty.setTimerType(Qt::PreciseTimer);
    QObject::connect(&duty, &QTimer::timeout, [] { burnCpu(10ms); });
    duty.start(20ms);
    spinUntil([] { return false; }, 1500ms);
    duty.stop();
    profiler.stop();
    const RunSnapshot s = profiler.snapshot();
    QVERIFY2(s.loopUtilization > 0.35 && s.loopUtilization < 0.65,
             qPrintable(QString::number(s.loopUtilization)));
    for (const LoopSecond& second : s.loopSeconds)
        QVERIFY(second.utilization >= 0.0 && second.utilization <= 1.0);
}

COROSCOPE_TEST_MAIN(TestLoopProbe)
#include "test_loopprobe.moc"
