#include "watchdog/symbolizer.h"
#include "watchdog/threadstacksampler.h"

#include <QStringList>
#include <QTest>

#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
#include <optional>
#include <thread>
#include <unistd.h>

using namespace coroscope;
using namespace std::chrono_literals;

// Functions with known names and line ranges for the captured stacks to be checked against.
// Outside any namespace and noinline so that each has exactly one out-of-line body.

// Read with the __atomic builtin rather than std::atomic::load, which is an out-of-line call at
// -O0: the spin loop must not leave spinInKnownFunction, so that it is frame 0 in every build.
bool g_keepSpinning = false;
std::atomic<bool> g_inKnownFunction{false};
std::atomic<int> g_applicationSignals{0};

void setKeepSpinning(bool on) {
    __atomic_store_n(&g_keepSpinning, on, __ATOMIC_RELAXED);
}

constexpr int SpinFirstLine = __LINE__ + 1;
__attribute__((noinline)) void spinInKnownFunction() {
    g_inKnownFunction.store(true);
    while (__atomic_load_n(&g_keepSpinning, __ATOMIC_RELAXED))
        asm volatile("" ::: "memory");
}
constexpr int SpinLastLine = __LINE__ - 1;

constexpr int SleepFirstLine = __LINE__ + 1;
__attribute__((noinline)) std::chrono::nanoseconds sleepInKnownFunction(std::chrono::milliseconds duration) {
    g_inKnownFunction.store(true);
    const auto start = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(duration);
    return std::chrono::steady_clock::now() - start;
}
constexpr int SleepLastLine = __LINE__ - 1;

namespace {

// A thread that constructs its sampler, then runs `body`; the sampler is handed to the test.
class SampledThread {
public:
    template <typename Body>
    explicit SampledThread(Body body) {
        std::promise<ThreadStackSampler> ready;
        auto future = ready.get_future();
        g_inKnownFunction.store(false);
        m_thread = std::thread([ready = std::move(ready), body]() mutable {
            ready.set_value(ThreadStackSampler());
            body();
        });
        m_sampler.emplace(future.get());
    }
    ~SampledThread() {
        setKeepSpinning(false);
        if (m_thread.joinable())
            m_thread.join();
    }

    ThreadStackSampler& sampler() { return *m_sampler; }
    void join() { m_thread.join(); }

    static bool waitUntilInKnownFunction() {
        for (int i = 0; i < 500 && !g_inKnownFunction.load(); ++i)
            std::this_thread::sleep_for(1ms);
        return g_inKnownFunction.load();
    }

private:
    std::optional<ThreadStackSampler> m_sampler;
    std::thread m_thread;
};

// Where a frame lands in `name`'s own code: the frame itself, or the function it was inlined into
// (sleep_for and atomic::load are inlined into the known functions at -O2).
struct OwnLocation {
    int index = -1;
    QString file;
    int line = 0;
};

OwnLocation findFunction(const std::vector<StackFrame>& frames, const QString& name) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const StackFrame& f = frames[i];
        if (f.function.contains(name) && f.inlinedInto.isEmpty())
            return {int(i), f.file, f.line};
        if (f.inlinedInto.contains(name))
            return {int(i), f.inlinedIntoFile, f.inlinedIntoLine};
        if (f.function.contains(name))
            return {int(i), f.file, f.line};
    }
    return {};
}

} // namespace

class TestThreadStackSampler : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        // Installed before the first sampler, as an application's own SIGUSR2 handler would be.
        struct sigaction action {};
        action.sa_handler = [](int) { g_applicationSignals.fetch_add(1); };
        sigemptyset(&action.sa_mask);
        QCOMPARE(sigaction(SIGUSR2, &action, nullptr), 0);
        Symbolizer::instance().warmUp();
    }

    void captureFindsSpinningFunction() {
        setKeepSpinning(true);
        SampledThread thread(spinInKnownFunction);
        QVERIFY(SampledThread::waitUntilInKnownFunction());
        std::this_thread::sleep_for(50ms);

        const std::vector<std::uintptr_t> pcs = thread.sampler().capture();
        QVERIFY(!pcs.empty());
        QVERIFY(pcs.size() <= std::size_t(ThreadStackSampler::MaxFrames));
        const std::vector<StackFrame> frames = Symbolizer::instance().resolve(pcs);
        const QString text = Symbolizer::format(frames);

        const OwnLocation at = findFunction(frames, QStringLiteral("spinInKnownFunction"));
        QVERIFY2(at.index >= 0, qPrintable(text));
        // Frame 0 is the interrupted function itself: the handler's frames and the sigreturn
        // trampoline have been stripped.
        QVERIFY2(at.index == 0, qPrintable(text));
        QVERIFY2(at.file.endsWith(QStringLiteral("test_threadstacksampler.cpp")), qPrintable(text));
        QVERIFY2(at.line >= SpinFirstLine && at.line <= SpinLastLine, qPrintable(text));
        QVERIFY2(!text.contains(QStringLiteral("onSampleSignal")), qPrintable(text));
    }

    // Guards SA_RESTART + sleep_for's EINTR loop: a stack capture must not shorten the sleep.
    void sleepKeepsFullDuration() {
        constexpr auto sleepFor = 300ms;
        std::chrono::nanoseconds slept{0};
        SampledThread thread([&slept] { slept = sleepInKnownFunction(sleepFor); });
        QVERIFY(SampledThread::waitUntilInKnownFunction());

        std::vector<StackFrame> frames;
        for (int i = 0; i < 3; ++i) { // several interruptions of the same sleep
            std::this_thread::sleep_for(50ms);
            const std::vector<std::uintptr_t> pcs = thread.sampler().capture();
            QVERIFY(!pcs.empty());
            frames = Symbolizer::instance().resolve(pcs);
            const QString text = Symbolizer::format(frames);
            const OwnLocation at = findFunction(frames, QStringLiteral("sleepInKnownFunction"));
            QVERIFY2(at.index > 0, qPrintable(text)); // frame 0 is in libc's nanosleep
            QVERIFY2(at.file.endsWith(QStringLiteral("test_threadstacksampler.cpp")), qPrintable(text));
            QVERIFY2(at.line >= SleepFirstLine && at.line <= SleepLastLine, qPrintable(text));
        }
        thread.join();
        QVERIFY2(slept >= sleepFor, qPrintable(QString::number(slept.count())));
    }

    void repeatedCapturesAllSucceed() {
        setKeepSpinning(true);
        SampledThread thread(spinInKnownFunction);
        QVERIFY(SampledThread::waitUntilInKnownFunction());
        for (int i = 0; i < 200; ++i) {
            const std::vector<std::uintptr_t> pcs = thread.sampler().capture();
            QVERIFY2(!pcs.empty(), qPrintable(QString::number(i)));
            const StackFrame top = Symbolizer::instance().resolve(pcs.front(), false);
            QVERIFY2(top.function.contains(QStringLiteral("spinInKnownFunction")) ||
                         top.inlinedInto.contains(QStringLiteral("spinInKnownFunction")),
                     qPrintable(Symbolizer::format({top})));
        }
    }

    // Guards the sequence numbers: an answer to a request that timed out (the signal was
    // blocked, then delivered late) must not be returned by the next capture.
    void lateAnswerIsNotTakenForTheNextOne() {
        std::atomic<int> phase{0};
        SampledThread thread([&phase] {
            sigset_t usr2;
            sigemptyset(&usr2);
            sigaddset(&usr2, SIGUSR2);
            pthread_sigmask(SIG_BLOCK, &usr2, nullptr);
            phase.store(1);
            for (int i = 0; i < 5000 && phase.load() == 1; ++i)
                std::this_thread::sleep_for(1ms);
            pthread_sigmask(SIG_UNBLOCK, &usr2, nullptr); // the late answer is given here
            setKeepSpinning(true);
            spinInKnownFunction();
        });
        while (phase.load() != 1)
            std::this_thread::sleep_for(1ms);
        QVERIFY(thread.sampler().capture(20ms).empty());
        phase.store(2);
        QVERIFY(SampledThread::waitUntilInKnownFunction());

        const std::vector<std::uintptr_t> pcs = thread.sampler().capture();
        QVERIFY(!pcs.empty());
        const std::vector<StackFrame> frames = Symbolizer::instance().resolve(pcs);
        QVERIFY2(findFunction(frames, QStringLiteral("spinInKnownFunction")).index == 0,
                 qPrintable(Symbolizer::format(frames)));
    }

    // Guards the forwarding to the previous handler: a SIGUSR2 that is not a capture request
    // (here from kill(), not pthread_kill) still reaches the application's handler.
    void foreignSignalReachesPreviousHandler() {
        const ThreadStackSampler installed; // the sampler's handler is in place from here on
        const int before = g_applicationSignals.load();
        QCOMPARE(::kill(::getpid(), SIGUSR2), 0);
        for (int i = 0; i < 1000 && g_applicationSignals.load() == before; ++i)
            std::this_thread::sleep_for(1ms);
        QCOMPARE(g_applicationSignals.load(), before + 1);
    }

    void sharedLibraryFallsBackToSymbolTable() {
        // Qt ships without debug info here: the name comes from the ELF symbol table.
        const StackFrame f =
            Symbolizer::instance().resolve(reinterpret_cast<std::uintptr_t>(&qVersion), false);
        QCOMPARE(f.function, QStringLiteral("qVersion"));
        QVERIFY2(f.module.startsWith(QStringLiteral("libQt6Core.so")), qPrintable(f.module));
    }

    void formatWritesOneLinePerFrame() {
        setKeepSpinning(true);
        SampledThread thread(spinInKnownFunction);
        QVERIFY(SampledThread::waitUntilInKnownFunction());
        const std::vector<StackFrame> frames = Symbolizer::instance().resolve(thread.sampler().capture());
        QVERIFY(frames.size() >= 2); // the known function and at least std::thread's trampoline

        const QString text = Symbolizer::format(frames);
        QVERIFY(text.endsWith(QLatin1Char('\n')));
        const QStringList lines = text.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), qsizetype(frames.size()));
        QVERIFY2(lines.first().startsWith(QStringLiteral("#0 ")), qPrintable(text));
        for (qsizetype i = 0; i < lines.size(); ++i)
            QVERIFY2(lines[i].startsWith(QLatin1Char('#') + QString::number(i) + QLatin1Char(' ')),
                     qPrintable(lines[i]));
        QVERIFY2(lines.first().contains(QStringLiteral("spinInKnownFunction")), qPrintable(text));
        QVERIFY2(lines.first().contains(QStringLiteral("test_threadstacksampler.cpp:")), qPrintable(text));
    }

    void formatFallsBackToAddressAndModule() {
        StackFrame unknown;
        unknown.address = 0x7f0012345678;
        unknown.module = QStringLiteral("libfoo.so.1");
        StackFrame named;
        named.function = QStringLiteral("qVersion");
        named.module = QStringLiteral("libQt6Core.so.6");
        QCOMPARE(Symbolizer::format({unknown, named}),
                 QStringLiteral("#0 0x7f0012345678 (libfoo.so.1)\n#1 qVersion (libQt6Core.so.6)\n"));
    }
};

QTEST_GUILESS_MAIN(TestThreadStackSampler)
#include "test_threadstacksampler.moc"
