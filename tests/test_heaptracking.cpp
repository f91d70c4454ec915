// The malloc interposer (linked into this test as into `coroscope`): every heap allocation of the
// process, Qt's own included, is charged to the running task's account and credited back on free,
// from any thread. Byte counts on bare accounts are exact; through the profiler they are bounds,
// because the test's own bookkeeping allocates too.
#include "instrument/heapaccount.h"
#include "instrument/heapinterposer.h"
#include "testsupport.h"
#include <coroscope/sleep.h>
#include <coroscope/task.h>

#include <QByteArray>
#include <QList>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <new>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace coroscope;
using namespace coroscope::test;
using namespace std::chrono_literals;

namespace {

/// Charges everything allocated on this thread to `account` while it lives.
class ChargeTo {
public:
    explicit ChargeTo(heap::Account* account)
        : m_previous(std::exchange(heap::t_current, account)) {}
    ~ChargeTo() { heap::t_current = m_previous; }
    ChargeTo(const ChargeTo&) = delete;
    ChargeTo& operator=(const ChargeTo&) = delete;

private:
    heap::Account* m_previous;
};

bool isAligned(const void* p, std::size_t alignment) {
    return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}

const TaskInfo& infoOf(const RunSnapshot& s, std::uint64_t id) {
    const TaskInfo* t = s.task(id);
    if (!t)
        qFatal("task %llu missing from the snapshot", static_cast<unsigned long long>(id));
    return *t;
}

constexpr qsizetype kMiB = 1024 * 1024;

Task<> keepsOneMiBPerTick(QList<QByteArray>* keep, int ticks) {
    for (int i = 0; i < ticks; ++i) {
        keep->append(QByteArray(kMiB, 'k'));
        co_await sleepFor(20ms);
    }
}

Task<> allocatesAndFrees(int ticks) {
    for (int i = 0; i < ticks; ++i) {
        QByteArray scratch(kMiB, 's');
        co_await sleepFor(20ms);
    }
}

Task<> handsBufferToThread(std::vector<char>* out) {
    *out = std::vector<char>(std::size_t(kMiB), 'x');
    co_await sleepFor(1ms);
}

} // namespace

class TestHeapTracking : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void interposerIsBoundForQtToo();
    void mallocAndFreeAreExact();
    void freeOnAnotherThreadCreditsTheOwner();
    void reallocMovesTheBlockToWhoResizedIt();
    void alignedAllocationsAreAlignedAndAccounted();
    void callocAndBadSizes();
    void profilerReportsLiveAndAllocatedPerTask();
    void memoryGrowthNamesOnlyTheTaskThatKeeps();
    // Last: it turns tagging off for the rest of the process.
    void untaggedBlocksMixWithTaggedOnes();
};

void TestHeapTracking::interposerIsBoundForQtToo() {
    QVERIFY(heap::interposed());
    heap::Account* account = heap::newAccount();
    QVERIFY(account);
    {
        ChargeTo charge(account);
        // QByteArray allocates inside libQt6Core with malloc: only visible if the binding worked.
        QByteArray data(3 * kMiB, 'q');
        QVERIFY(account->totals().allocated >= 3 * kMiB);
        QVERIFY(account->totals().live >= 3 * kMiB);
    }
    QVERIFY(account->totals().live < 4096); // the QByteArray was freed by Qt, through our free
}

void TestHeapTracking::mallocAndFreeAreExact() {
    heap::Account* account = heap::newAccount();
    void* a = nullptr;
    void* b = nullptr;
    {
        ChargeTo charge(account);
        a = std::malloc(1000);
        b = std::malloc(24);
    }
    QCOMPARE(account->totals().allocated, std::int64_t(1024));
    QCOMPARE(account->totals().live, std::int64_t(1024));
    QCOMPARE(malloc_usable_size(a), std::size_t(1000)); // the size asked for, not glibc's rounding
    std::free(a); // outside the scope: still credited to the account that paid
    QCOMPARE(account->totals().live, std::int64_t(24));
    std::free(b);
    QCOMPARE(account->totals().live, std::int64_t(0));
    QCOMPARE(account->totals().allocated, std::int64_t(1024));
    void* nobodys = std::malloc(4096); // no account current: charged to nobody
    std::free(nobodys);
    QCOMPARE(account->totals().allocated, std::int64_t(1024));
}

void TestHeapTracking::freeOnAnotherThreadCreditsTheOwner() {
    heap::Account* account = heap::newAccount();
    std::vector<void*> blocks;
    blocks.reserve(1000);
    {
        ChargeTo charge(account);
        for (int i = 0; i < 1000; ++i)
            blocks.push_back(std::malloc(100));
    }
    QCOMPARE(account->totals().live, std::int64_t(1000 * 100));
    std::thread([&] {
        for (void* p : blocks)
            std::free(p);
    }).join();
    QCOMPARE(account->totals().live, std::int64_t(0));
    QCOMPARE(account->totals().allocated, std::int64_t(1000 * 100));
}

void TestHeapTracking::reallocMovesTheBlockToWhoResizedIt() {
    heap::Account* first = heap::newAccount();
    heap::Account* second = heap::newAccount();
    char* p = nullptr;
    {
        ChargeTo charge(first);
        p = static_cast<char*>(std::malloc(1000));
    }
    std::memset(p, 7, 1000);
    {
        ChargeTo charge(second);
        p = static_cast<char*>(std::realloc(p, 100'000));
    }
    QVERIFY(p);
    QCOMPARE(p[0], char(7));
    QCOMPARE(p[999], char(7));
    QCOMPARE(first->totals().live, std::int64_t(0));
    QCOMPARE(second->totals().live, std::int64_t(100'000));
    QCOMPARE(malloc_usable_size(p), std::size_t(100'000));
    QCOMPARE(std::realloc(p, 0), nullptr); // frees, as glibc's does
    QCOMPARE(second->totals().live, std::int64_t(0));
}

void TestHeapTracking::alignedAllocationsAreAlignedAndAccounted() {
    heap::Account* account = heap::newAccount();
    const auto page = std::size_t(sysconf(_SC_PAGESIZE));
    std::vector<std::pair<void*, std::size_t>> blocks; // reserved before charging starts
    blocks.reserve(64);
    std::int64_t expected = 0;
    {
        ChargeTo charge(account);
        for (const std::size_t alignment : {8ul, 16ul, 32ul, 64ul, 256ul, 4096ul, 65536ul}) {
            void* p = nullptr;
            QCOMPARE(posix_memalign(&p, alignment, 333), 0);
            blocks.emplace_back(p, alignment);
            blocks.emplace_back(aligned_alloc(alignment, alignment * 2), alignment);
            blocks.emplace_back(memalign(alignment, 77), alignment);
            expected += 333 + std::int64_t(alignment) * 2 + 77;
        }
        blocks.emplace_back(valloc(10), page);
        blocks.emplace_back(pvalloc(10), page);
        expected += 10 + std::int64_t(page);
    }
    QCOMPARE(account->totals().allocated, expected);
    for (const auto& [p, alignment] : blocks) {
        QVERIFY(p);
        QVERIFY2(isAligned(p, alignment), qPrintable(QString::number(alignment)));
        std::memset(p, 0x5A, malloc_usable_size(p)); // all of it is writable
    }
    // An over-aligned block can still be resized; its content moves with it.
    void* moved = std::realloc(blocks[9].first, 5000); // posix_memalign(&p, 256, 333)
    QVERIFY(moved);
    QCOMPARE(static_cast<unsigned char*>(moved)[332], (unsigned char)0x5A);
    blocks[9].first = moved;
    for (const auto& [p, alignment] : blocks)
        std::free(p);
    QCOMPARE(account->totals().live, std::int64_t(0));
    QCOMPARE(posix_memalign(&blocks[0].first, 24, 10), EINVAL);

    struct alignas(128) Wide {
        char bytes[200];
    };
    auto* wide = new Wide; // aligned operator new: aligned_alloc underneath
    QVERIFY(isAligned(wide, 128));
    delete wide;
}

void TestHeapTracking::callocAndBadSizes() {
    heap::Account* account = heap::newAccount();
    unsigned char* zeroed = nullptr;
    {
        ChargeTo charge(account);
        zeroed = static_cast<unsigned char*>(std::calloc(1000, 8));
    }
    QCOMPARE(account->totals().allocated, std::int64_t(8000));
    for (int i = 0; i < 8000; ++i)
        QCOMPARE(zeroed[i], (unsigned char)0);
    std::free(zeroed);
    errno = 0;
    QCOMPARE(std::calloc(std::size_t(1) << 40, std::size_t(1) << 40), nullptr);
    QCOMPARE(errno, ENOMEM);
    errno = 0;
    QCOMPARE(reallocarray(nullptr, std::size_t(1) << 40, std::size_t(1) << 40), nullptr);
    QCOMPARE(errno, ENOMEM);
    volatile std::size_t huge = std::size_t(1) << 62;
    errno = 0;
    QCOMPARE(std::malloc(huge), nullptr);
    QCOMPARE(errno, ENOMEM);
    errno = 0;
    QCOMPARE(pvalloc(SIZE_MAX), nullptr); // rounding up to a page must not wrap to 0
    QCOMPARE(errno, ENOMEM);
    errno = 0;
    QCOMPARE(memalign((SIZE_MAX >> 1) + 2, 8), nullptr); // no power of two above it
    QCOMPARE(errno, EINVAL);
    std::free(nullptr);
    QCOMPARE(account->totals().live, std::int64_t(0));
}

void TestHeapTracking::profilerReportsLiveAndAllocatedPerTask() {
    Profiler profiler;
    profiler.start();
    QList<QByteArray> kept;
    std::vector<char> handedOver;
    Task<> keeper = spawn(QStringLiteral("keeper"), [&] { return keepsOneMiBPerTick(&kept, 5); });
    Task<> churner = spawn(QStringLiteral("churner"), [] { return allocatesAndFrees(5); });
    Task<> giver = spawn(QStringLiteral("giver"), [&] { return handsBufferToThread(&handedOver); });
    QVERIFY(spinUntil([&] { return keeper.isDone() && churner.isDone() && giver.isDone(); }));
    std::thread([&] { std::vector<char>().swap(handedOver); }).join();
    profiler.stop();
    const RunSnapshot s = profiler.snapshot();
    const TaskInfo& k = infoOf(s, keeper.id());
    const TaskInfo& c = infoOf(s, churner.id());
    const TaskInfo& g = infoOf(s, giver.id());
    QVERIFY2(k.liveBytes >= 5 * kMiB && k.allocatedBytes >= 5 * kMiB,
             qPrintable(QString::number(k.liveBytes)));
    QVERIFY2(c.allocatedBytes >= 5 * kMiB, qPrintable(QString::number(c.allocatedBytes)));
    QVERIFY2(c.liveBytes < kMiB / 4, qPrintable(QString::number(c.liveBytes)));
    QVERIFY2(g.allocatedBytes >= kMiB && g.liveBytes < kMiB / 4, qPrintable(QString::number(g.liveBytes)));
}

void TestHeapTracking::memoryGrowthNamesOnlyTheTaskThatKeeps() {
    Settings settings;
    settings.memoryGrowthBytes = 10 * kMiB;
    settings.memoryGrowthWindow = 1000ms;
    Profiler profiler(settings);
    profiler.start();
    QList<QByteArray> kept;
    Task<> keeper = spawn(QStringLiteral("keeper"), [&] { return keepsOneMiBPerTick(&kept, 80); });
    Task<> churner = spawn(QStringLiteral("churner"), [] { return allocatesAndFrees(80); });
    QVERIFY(spinUntil([&] { return keeper.isDone() && churner.isDone(); }));
    profiler.stop();
    const RunSnapshot s = profiler.snapshot();
    QCOMPARE(countDiagnostics(s, QStringLiteral("memory-growth")), 1);
    QCOMPARE(findDiagnostic(s, QStringLiteral("memory-growth"))->taskId, keeper.id());
}

// The launch probe in a program without the SDK stops tagging: blocks tagged before must still
// be freed, resized and measured right, beside untagged ones, and nothing is charged any more.
void TestHeapTracking::untaggedBlocksMixWithTaggedOnes() {
    heap::Account* account = heap::newAccount();
    QVERIFY(account);
    void* tagged = nullptr;
    void* taggedAligned = nullptr;
    {
        ChargeTo charge(account);
        tagged = std::malloc(100);
        taggedAligned = std::aligned_alloc(64, 256);
    }
    QCOMPARE(account->totals().live, std::int64_t(356));

    heap::stopTagging();
    QVERIFY(!heap::interposed());
    QVERIFY(!heap::newAccount()); // no task gets an account now
    void* plain = nullptr;
    void* zeroed = nullptr;
    void* aligned = nullptr;
    {
        ChargeTo charge(account); // still current, but nothing is tagged for it
        plain = std::malloc(100);
        zeroed = std::calloc(10, 10);
        aligned = std::aligned_alloc(128, 512);
        tagged = std::realloc(tagged, 200); // a tagged block stays tagged: the resizer pays
    }
    QCOMPARE(account->totals().allocated, std::int64_t(356 + 200));
    QVERIFY(isAligned(aligned, 128));
    for (int i = 0; i < 100; ++i)
        QCOMPARE(static_cast<const char*>(zeroed)[i], char(0));
    // Untagged blocks are measured by glibc: at least what was asked for.
    QVERIFY(malloc_usable_size(plain) >= 100);
    QVERIFY(malloc_usable_size(aligned) >= 512);
    QCOMPARE(malloc_usable_size(tagged), std::size_t(200));
    std::memset(plain, 1, 100);
    plain = std::realloc(plain, 5000); // untagged stays untagged
    QVERIFY(malloc_usable_size(plain) >= 5000);
    for (void* p : {plain, zeroed, aligned, tagged, taggedAligned})
        std::free(p);
    QCOMPARE(account->totals().live, std::int64_t(0));
}

COROSCOPE_TEST_MAIN(TestHeapTracking)
#include "test_heaptracking.moc"
