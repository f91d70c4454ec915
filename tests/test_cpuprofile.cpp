// The CPU profile of the loop thread: samples with known ground truth (a task burning a known
// share of the CPU in a named function), what must not be sampled (an idle loop, a blocked
// dispatch), the node budget, and the folded and speedscope exports.
#include "jsonreportvalidator.h"
#include "reading/sessionreader.h"
#include "recording/sessiondeltaqueue.h"
#include "recording/sessionwriter.h"
#include "report/cpuprofileanalysis.h"
#include "report/reportformat.h"
#include "sampling/callingcontexttree.h"
#include "testsupport.h"
#include <coroscope/sleep.h>
#include <coroscope/task.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <csignal>
#include <unistd.h>

using namespace coroscope;
using namespace coroscope::test;
using namespace std::chrono_literals;

namespace {

// Not tail calls (asm after the call), and not folded into one by identical-code folding (noipa):
// each stays on the stack under burnThreadCpu, under its own name.
[[gnu::noipa]] void burnAlpha(std::chrono::milliseconds d) {
    burnThreadCpu(d);
    asm volatile("" ::: "memory");
}
[[gnu::noipa]] void burnBeta(std::chrono::milliseconds d) {
    burnThreadCpu(d);
    asm volatile("" ::: "memory");
}

Task<> alpha() {
    for (int i = 0; i < 10; ++i) {
        co_await sleepFor(2ms);
        burnAlpha(30ms);
    }
}
Task<> beta() {
    for (int i = 0; i < 10; ++i) {
        co_await sleepFor(2ms);
        burnBeta(10ms);
    }
}

/// Runs `body` under a profiler recording into a session file, and reads the session back.
template <typename Body>
session::SessionData record(const QString& path, Settings settings, Body body) {
    session::SessionDeltaQueue deltas;
    Profiler profiler(settings);
    session::SessionWriter writer(path, deltas);
    profiler.tapSession(deltas);
    profiler.start();
    writer.start(Clock::nanosNow());
    body();
    profiler.stop();
    writer.finish();
    return session::readSession(path);
}

std::uint64_t totalOf(const CpuProfile& p, const QString& function) {
    for (const CpuFunctionCost& c : cpuFunctionCosts(p))
        if (p.frames[c.frame].function.contains(function))
            return c.total;
    return 0;
}

std::uint64_t samplesOfTask(const CpuProfile& p, const QString& name) {
    std::uint64_t n = 0;
    for (const CpuTaskCost& t : cpuSamplesByTask(p))
        if (t.label == name)
            n += t.samples;
    return n;
}

volatile sig_atomic_t g_foreignProf = 0;
void onForeignProf(int) {
    g_foreignProf = g_foreignProf + 1;
}

} // namespace

class TestCpuProfile : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void foreignSigprofReachesPreviousHandler();
    void burnedShareIsAttributedToItsFunctionAndTask();
    void idleLoopAndBlockedDispatchAreNotSampled();
    void samplingCanBeTurnedOff();
    void treeKeepsEverySampleOverBudget();
    void foldedStacksAreParseable();
    void speedscopeHasOneProfilePerTask();

private:
    QTemporaryDir m_dir;
};

void TestCpuProfile::burnedShareIsAttributedToItsFunctionAndTask() {
    const session::SessionData data =
        record(m_dir.filePath(QStringLiteral("burn.coroscope")), Settings{}, [] {
            auto a = spawn(QStringLiteral("alpha"), alpha);
            auto b = spawn(QStringLiteral("beta"), beta);
            QVERIFY(spinUntil([&] { return a.isDone() && b.isDone(); }));
        });
    const CpuProfile& p = data.cpuProfile;
    QVERIFY(p.recorded());
    QCOMPARE(p.intervalNs, 1'000'000);
    // alpha burns 300 ms in burnAlpha, beta 100 ms in burnBeta: one sample per ms of CPU.
    const std::uint64_t a = totalOf(p, QStringLiteral("burnAlpha"));
    const std::uint64_t b = totalOf(p, QStringLiteral("burnBeta"));
    qInfo() << "burnAlpha" << a << "burnBeta" << b << "samples" << p.counters.samples << "stacks"
            << p.counters.stacks;
    QVERIFY2(a >= 240 && a <= 360, qPrintable(QString::number(a)));
    QVERIFY2(b >= 70 && b <= 130, qPrintable(QString::number(b)));
    QVERIFY(samplesOfTask(p, QStringLiteral("alpha")) >= a * 9 / 10);
    QVERIFY(samplesOfTask(p, QStringLiteral("beta")) >= b * 9 / 10);
    // Most samples are stacks of their own, not one stack standing for many.
    QVERIFY2(p.counters.stacks * 2 >= p.counters.samples,
             qPrintable(
                 QStringLiteral("%1 stacks for %2 samples").arg(p.counters.stacks).arg(p.counters.samples)));
    // Everything sampled is in the tree, and the folded stacks add up to it.
    QCOMPARE(cpuSampleCount(p), p.counters.samples);
    std::uint64_t folded = 0;
    for (const auto& [stack, count] : cpuFoldedStacks(p))
        folded += count;
    QCOMPARE(folded, p.counters.samples);

    // The JSON report says the same, and passes its schema.
    const QByteArray json = renderReport(ReportFormat::Json, data);
    QCOMPARE(validateJsonReport(json), std::nullopt);
    const QJsonObject cpu = QJsonDocument::fromJson(json)
                                .object()
                                .value(QLatin1String("loop"))
                                .toObject()
                                .value(QLatin1String("cpu_profile"))
                                .toObject();
    QCOMPARE(cpu.value(QLatin1String("sampled")).toBool(), true);
    QCOMPARE(cpu.value(QLatin1String("interval_ms")).toDouble(), 1.0);
    QCOMPARE(std::uint64_t(cpu.value(QLatin1String("samples")).toInteger()), p.counters.samples);
    const QJsonArray byTask = cpu.value(QLatin1String("by_task")).toArray();
    QCOMPARE(byTask.at(0).toObject().value(QLatin1String("task")).toString(), QStringLiteral("alpha"));
    QVERIFY(byTask.at(0).toObject().value(QLatin1String("task_id")).toInteger() > 0);
    bool listed = false;
    for (const QJsonValue& f : cpu.value(QLatin1String("top_functions")).toArray())
        listed |=
            f.toObject().value(QLatin1String("function")).toString().contains(QLatin1String("burnAlpha")) &&
            std::uint64_t(f.toObject().value(QLatin1String("total")).toInteger()) == a;
    QVERIFY(listed);
    // The folded export of the session is the same stacks.
    QCOMPARE(renderReport(ReportFormat::Folded, data), toFoldedStacks(p));
    QVERIFY(QJsonDocument::fromJson(renderReport(ReportFormat::Speedscope, data)).isObject());

    // Every stack is timed too (far below the cap), in order, inside the run; and the samples of
    // alpha's stacks through burnAlpha carry the same weight the tree gives it.
    QCOMPARE(p.counters.untimedSamples, std::uint64_t(0));
    std::uint64_t timed = 0;
    std::uint64_t timedInAlpha = 0;
    for (std::size_t i = 0; i < p.samples.size(); ++i) {
        const CpuSample& s = p.samples[i];
        timed += s.weight;
        QVERIFY(i == 0 || s.tNs > p.samples[i - 1].tNs);
        QVERIFY(s.tNs >= data.info.startNs);
        for (std::uint32_t n = s.node; n != 0; n = p.nodes[n].parent)
            if (p.frames[p.nodes[n].frame].function.contains(QLatin1String("burnAlpha"))) {
                timedInAlpha += s.weight;
                break;
            }
    }
    QCOMPARE(timed, p.counters.samples);
    QCOMPARE(timedInAlpha, a);
    // The Chrome trace shows them on a track of their own: slices whose samples add up.
    const QJsonObject trace = QJsonDocument::fromJson(renderReport(ReportFormat::ChromeTrace, data)).object();
    std::uint64_t inTrace = 0;
    std::int64_t previousEnd = 0;
    for (const QJsonValue& e : trace.value(QLatin1String("traceEvents")).toArray()) {
        if (e[QLatin1String("cat")].toString() != QLatin1String("cpu_sample"))
            continue;
        inTrace += std::uint64_t(e[QLatin1String("args")][QLatin1String("samples")].toInteger());
        const double ts = e[QLatin1String("ts")].toDouble();
        QVERIFY(ts * 1000 >= double(previousEnd) - 1000); // slices do not overlap (µs rounding)
        previousEnd = std::int64_t((ts + e[QLatin1String("dur")].toDouble()) * 1000);
    }
    QCOMPARE(inTrace, timed);
}

void TestCpuProfile::idleLoopAndBlockedDispatchAreNotSampled() {
    qint64 sleptMs = 0;
    Settings settings;
    settings.slowCallbackThreshold = 10s; // the watchdog's capture would cut the sleep short itself
    const session::SessionData data = record(m_dir.filePath(QStringLiteral("idle.coroscope")), settings, [&] {
        QTest::qWait(0);
        spinUntil([] { return false; }, 300ms); // idle: the loop sleeps in poll()
        QElapsedTimer slept;
        slept.start();
        QTimer::singleShot(0, [&] {
            ::usleep(200'000); // blocked in a syscall: no CPU, and a signal would cut it short
            sleptMs = slept.elapsed();
        });
        spinUntil([&] { return sleptMs > 0; });
    });
    const CpuProfile& p = data.cpuProfile;
    QVERIFY(p.recorded());
    qInfo() << "samples over 500 ms of idle and sleep:" << p.counters.samples;
    QVERIFY2(p.counters.samples < 50, qPrintable(QString::number(p.counters.samples)));
    QVERIFY2(sleptMs >= 195, qPrintable(QString::number(sleptMs)));
}

void TestCpuProfile::samplingCanBeTurnedOff() {
    Settings settings;
    settings.cpuSampleInterval = 0us;
    const session::SessionData data =
        record(m_dir.filePath(QStringLiteral("off.coroscope")), settings, [] { burnAlpha(50ms); });
    QVERIFY(!data.cpuProfile.recorded());
    QCOMPARE(data.cpuProfile.counters.samples, 0u);
    QCOMPARE(cpuSampleCount(data.cpuProfile), 0u);
}

void TestCpuProfile::treeKeepsEverySampleOverBudget() {
    CallingContextTree tree(20);
    const std::uint32_t f1 = tree.frame(QStringLiteral("main"), QStringLiteral("app"), QString(), 0);
    const std::uint32_t f2 = tree.frame(QStringLiteral("work"), QStringLiteral("app"), QString(), 0);
    const std::uint32_t f3 = tree.frame(QStringLiteral("leaf"), QStringLiteral("app"), QString(), 0);
    const std::uint32_t path[] = {f1, f2, f3};
    std::uint64_t added = 0;
    for (std::uint64_t task = 1; task <= 20; ++task) {
        tree.add(task, 1, 2, path);
        added += 2;
    }
    const CpuProfileCounters c = tree.counters();
    QCOMPARE(c.samples, added);
    QVERIFY(c.otherTaskSamples > 0);
    QVERIFY(tree.nodeCount() <= 20 + 2 + 4); // budget, the shared root's tenth, and its path
    CallingContextTree::Changes changes = tree.takeChanges();
    std::uint64_t inTree = 0;
    bool sawOtherRoot = false;
    for (const CpuNode& n : changes.nodes) {
        inTree += n.selfSamples;
        sawOtherRoot |= n.parent == 0 && n.taskId == CpuProfile::kOtherTasks;
    }
    QCOMPARE(inTree, added);
    QVERIFY(sawOtherRoot);
    // A second take has only what changed since.
    tree.add(1, 1, 5, path);
    changes = tree.takeChanges();
    QCOMPARE(changes.nodes.size(), std::size_t(1));
    QCOMPARE(changes.nodes.front().selfSamples, 7u);
    QVERIFY(changes.frames.empty());
}

void TestCpuProfile::foldedStacksAreParseable() {
    CpuProfile p;
    p.intervalNs = 1'000'000;
    p.frames = {CpuFrame{},
                {1, QStringLiteral("outer;evil\nname"), QStringLiteral("app"), {}, 0},
                {2, QStringLiteral("inner"), QStringLiteral("app"), {}, 0}};
    p.nodes = {CpuNode{},
               {1, 0, 0, 7, QStringLiteral("Timer"), 0},
               {2, 1, 1, 7, QStringLiteral("Timer"), 3},
               {3, 2, 2, 7, QStringLiteral("Timer"), 4}};
    p.taskNames[7] = QStringLiteral("fetch;all");
    const QByteArray folded = toFoldedStacks(p);
    QCOMPARE(folded, QByteArray("fetch:all;outer:evil name 3\nfetch:all;outer:evil name;inner 4\n"));
    CpuProfileFilter otherEvent;
    otherEvent.eventType = QStringLiteral("MetaCall");
    QVERIFY(toFoldedStacks(p, otherEvent).isEmpty());
}

void TestCpuProfile::speedscopeHasOneProfilePerTask() {
    CpuProfile p;
    p.intervalNs = 2'000'000;
    p.frames = {CpuFrame{}, {1, QStringLiteral("f"), QStringLiteral("app"), QStringLiteral("f.cpp"), 3}};
    p.nodes = {CpuNode{}, {1, 0, 0, 1, {}, 0}, {2, 1, 1, 1, {}, 5}, {3, 0, 0, 2, {}, 1}};
    p.taskNames = {{1, QStringLiteral("one")}, {2, QStringLiteral("two")}};
    const QJsonObject doc = QJsonDocument::fromJson(toSpeedscope(p, QStringLiteral("run"))).object();
    QCOMPARE(doc.value(QLatin1String("shared")).toObject().value(QLatin1String("frames")).toArray().size(),
             1);
    const QJsonArray profiles = doc.value(QLatin1String("profiles")).toArray();
    QCOMPARE(profiles.size(), 2);
    const QJsonObject one = profiles.at(0).toObject();
    QCOMPARE(one.value(QLatin1String("name")).toString(), QStringLiteral("one (#1)"));
    QCOMPARE(one.value(QLatin1String("samples")).toArray().at(0).toArray(), QJsonArray{0});
    QCOMPARE(one.value(QLatin1String("weights")).toArray().at(0).toDouble(), 10.0); // 5 samples of 2 ms
    QCOMPARE(profiles.at(1).toObject().value(QLatin1String("samples")).toArray().at(0).toArray(),
             QJsonArray{});
}

void TestCpuProfile::initTestCase() {
    // Before any sampler exists: the SIGPROF handler the sampler will find and must pass on to.
    struct sigaction foreign {};
    foreign.sa_handler = &onForeignProf;
    sigemptyset(&foreign.sa_mask);
    QCOMPARE(::sigaction(SIGPROF, &foreign, nullptr), 0);
}

void TestCpuProfile::foreignSigprofReachesPreviousHandler() {
    g_foreignProf = 0;
    const session::SessionData data =
        record(m_dir.filePath(QStringLiteral("foreign.coroscope")), Settings{}, [] {
            burnAlpha(50ms);
            ::kill(::getpid(), SIGPROF); // from outside the sampler: not a sample request
            burnAlpha(50ms);
        });
    // The foreign signal reached the program's own handler, once; the sampler's ~100 did not.
    QCOMPARE(int(g_foreignProf), 1);
    QVERIFY2(data.cpuProfile.counters.samples >= 60,
             qPrintable(QString::number(data.cpuProfile.counters.samples)));
}

COROSCOPE_TEST_MAIN(TestCpuProfile)
#include "test_cpuprofile.moc"
