// Instrumentation never blocks the loop: a full channel drops records and counts them exactly.
#include "instrument/eventchannel.h"
#include "testsupport.h"
#include <coroscope/task.h>

using namespace coroscope;
using namespace coroscope::test;
using namespace std::chrono_literals;

namespace {
Task<> instant() {
    co_return;
}
} // namespace

class TestDrops : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fullChannelDropsAndCountsExactly();
    void ringKeepsOrderAcrossWrapAround();
    void floodOnTheLoopIsCountedNotWaitedFor();
};

void TestDrops::fullChannelDropsAndCountsExactly() {
    EventChannel channel("test", 1000); // rounded up to 1024
    QCOMPARE(channel.capacity(), std::size_t(1024));
    for (int i = 0; i < 10'000; ++i) {
        const auto id = std::uint64_t(i);
        channel.push(i % 2 ? Record::taskSegment(id, 0, 0, 0, 0) : Record::taskCreated(id, 0, 0, 0, nullptr));
    }
    QCOMPARE(channel.droppedTotal(), std::uint64_t(10'000 - 1024));
    QCOMPARE(channel.dropped(RecordKind::TaskSegment), std::uint64_t((10'000 - 1024) / 2));
    std::uint64_t expected = 0;
    const std::size_t drained = channel.drain([&](Record& r) { QCOMPARE(r.task(), expected++); });
    QCOMPARE(drained, std::size_t(1024));
}

void TestDrops::ringKeepsOrderAcrossWrapAround() {
    EventChannel channel("test", 8);
    std::uint64_t next = 0;
    std::uint64_t expected = 0;
    for (int round = 0; round < 100; ++round) {
        for (int i = 0; i < 5; ++i) {
            const std::uint64_t id = next++ & ((std::uint64_t(1) << 48) - 1);
            Record r = Record::taskFinished(id, 0, TaskState::Completed, QString::number(id));
            channel.push(std::move(r));
        }
        channel.drain([&](Record& r) {
            QCOMPARE(r.task(), expected);
            QCOMPARE(r.takeText(), QString::number(expected));
            ++expected;
        });
    }
    QCOMPARE(expected, next);
    QCOMPARE(channel.droppedTotal(), std::uint64_t(0));
}

// 20 000 tasks created, run and released inside one callback produce ~80 000 records at once into a
// 1 024-slot channel: the burst must finish (no waiting), the losses must be visible, and what
// arrived must still add up.
void TestDrops::floodOnTheLoopIsCountedNotWaitedFor() {
    Settings settings;
    settings.loopChannelCapacity = 1024;
    Profiler profiler(settings);
    profiler.start();
    constexpr int kTasks = 20'000;
    bool done = false;
    QTimer::singleShot(0, [&] {
        for (int i = 0; i < kTasks; ++i)
            (void)instant();
        done = true;
    });
    QVERIFY(spinUntil([&] { return done; }));
    profiler.stop();
    const RunSnapshot s = profiler.snapshot();
    QVERIFY2(s.drops.records > 0, "the flood should overflow a 1024-slot channel");
    QVERIFY(s.drops.segments > 0);
    // Each task sends 4 records (created, segment, finished, released); every one of them either
    // arrived or was counted as dropped. Tasks seen == tasks whose first record arrived.
    QVERIFY(s.tasksTotal <= std::uint64_t(kTasks));
    QVERIFY(s.tasksTotal > 0);
    QVERIFY(s.segmentsTotal + s.drops.segments == std::uint64_t(kTasks));
}

COROSCOPE_TEST_MAIN(TestDrops)
#include "test_drops.moc"
