// The SDK as a user outside this tree meets it: `cmake --install` into a temporary prefix, the
// example project tests/sdkexample/ configured with find_package(Coroscope) against that prefix
// and built, then run under the installed `coroscope launch`. Its tasks, their await points and
// the heap each allocated must land in the session the probe records.
#include "packagingsupport.h"
#include "reading/sessionreader.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace coroscope;
using namespace coroscope::test;

namespace {

const TaskInfo* taskNamed(const RunSnapshot& snapshot, const QString& name) {
    const auto it = std::find_if(snapshot.tasks.begin(), snapshot.tasks.end(),
                                 [&](const TaskInfo& task) { return task.name == name; });
    return it == snapshot.tasks.end() ? nullptr : &*it;
}

} // namespace

class TestSdk : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_prefix = m_dir.filePath(QStringLiteral("prefix"));
        const ToolRun install = installBuildInto(m_prefix);
        QVERIFY2(install.error.isEmpty() && install.exitCode == 0,
                 qPrintable(describe(QStringLiteral("cmake"), install)));

        // Configured as a user would: the prefix on CMAKE_PREFIX_PATH, nothing of this build tree.
        const QString build = m_dir.filePath(QStringLiteral("example-build"));
        const ToolRun configure =
            runTool(QStringLiteral(CMAKE_COMMAND),
                    {QStringLiteral("-S"), QStringLiteral(COROSCOPE_SOURCE_DIR "/tests/sdkexample"),
                     QStringLiteral("-B"), build, QStringLiteral("-G"), QStringLiteral(CMAKE_GENERATOR),
                     QStringLiteral("-DCMAKE_PREFIX_PATH=") + m_prefix,
                     QStringLiteral("-DCMAKE_BUILD_TYPE=RelWithDebInfo"),
                     QStringLiteral("-DCMAKE_CXX_COMPILER=" CMAKE_CXX_COMPILER)},
                    120'000);
        QVERIFY2(configure.exitCode == 0,
                 qPrintable(describe(QStringLiteral("cmake (configure)"), configure)));
        const ToolRun compile =
            runTool(QStringLiteral(CMAKE_COMMAND), {QStringLiteral("--build"), build}, 300'000);
        QVERIFY2(compile.exitCode == 0, qPrintable(describe(QStringLiteral("cmake --build"), compile)));
        m_example = build + QStringLiteral("/sdkexample");
        QVERIFY(QFileInfo(m_example).isExecutable());
    }

    // It links the installed library, found through the package, not this build tree's.
    void exampleLinksTheInstalledLibrary() {
        COROSCOPE_REQUIRE_TOOL(ldd, "ldd", "libc-bin");
        const ToolRun run = runTool(ldd, {m_example});
        QCOMPARE(run.exitCode, 0);
        const QString line = run.out.section(QStringLiteral("libcoroscope.so"), 1).section(u'\n', 0, 0);
        QVERIFY2(line.contains(m_prefix + QStringLiteral("/" COROSCOPE_INSTALL_LIBDIR
                                                         "/libcoroscope.so." COROSCOPE_VERSION)),
                 qPrintable(run.out));
    }

    // Without launch the tasks run as any coroutines would, and nothing is recorded.
    void exampleRunsOnItsOwn() {
        const ToolRun run = runTool(m_example, {});
        QVERIFY2(run.exitCode == 0, qPrintable(describe(m_example, run)));
        QVERIFY2(run.out.contains(QStringLiteral("crawled 60")) &&
                     run.out.contains(QStringLiteral("cache 8 blocks")),
                 qPrintable(run.out));
    }

    void launchRecordsTheTasks() {
        const QString session = m_dir.filePath(QStringLiteral("sdk.coroscope"));
        const ToolRun run = runTool(m_prefix + QStringLiteral("/bin/coroscope"),
                                    {QStringLiteral("launch"), QStringLiteral("--session"), session,
                                     QStringLiteral("--"), m_example});
        QVERIFY2(run.exitCode == 0, qPrintable(describe(QStringLiteral("coroscope launch"), run)));
        QVERIFY2(run.out.contains(QStringLiteral("crawled 60")), qPrintable(run.out));
        const session::SessionData data = session::readSession(session);
        QCOMPARE(data.info.status, RunStatus::Completed);
        const RunSnapshot& s = data.snapshot;

        // Named by spawn(), with where they were spawned and by whom.
        const TaskInfo* main = taskNamed(s, QStringLiteral("main"));
        const TaskInfo* reporter = taskNamed(s, QStringLiteral("reporter"));
        const TaskInfo* filler = taskNamed(s, QStringLiteral("cache-filler"));
        const TaskInfo* listener = taskNamed(s, QStringLiteral("listener"));
        QVERIFY(main && reporter && filler && listener && taskNamed(s, QStringLiteral("crawler")));
        QCOMPARE(reporter->parentId, main->id);
        QCOMPARE(reporter->state, TaskState::Completed);
        QVERIFY2(reporter->spawnLocation.startsWith(QStringLiteral("main.cpp:")),
                 qPrintable(reporter->spawnLocation));
        // The crawler's four awaited fetches are tasks too, its children.
        const std::uint64_t crawler = taskNamed(s, QStringLiteral("crawler"))->id;
        QCOMPARE(std::count_if(s.tasks.begin(), s.tasks.end(),
                               [&](const TaskInfo& t) { return t.parentId == crawler; }),
                 4);

        // The await point of the task still waiting at the end.
        QCOMPARE(listener->state, TaskState::Suspended);
        QVERIFY2(listener->awaiting.startsWith(QStringLiteral("sleep 60 min")),
                 qPrintable(listener->awaiting));

        // The 4 MiB the cache filler allocated is its own, counted by the probe's malloc.
        QVERIFY2(filler->allocatedBytes >= 4 * 1024 * 1024,
                 qPrintable(QString::number(filler->allocatedBytes)));
        QVERIFY2(reporter->allocatedBytes < 64 * 1024, qPrintable(QString::number(reporter->allocatedBytes)));

        // The blocking call after the reporter's await: its task and its stack.
        QCOMPARE(s.slowCallbacks.size(), std::size_t(1));
        const SlowCallback& slow = s.slowCallbacks[0];
        QCOMPARE(slow.taskName, QStringLiteral("reporter"));
        QCOMPARE(slow.eventType, QStringLiteral("SleepWake")); // coroscope::sleepFor's wake-up, by name
        QVERIFY2(slow.durationNs >= 190'000'000, qPrintable(QString::number(slow.durationNs)));
        QVERIFY2(slow.stack.contains(QStringLiteral("digestReportBlocking")), qPrintable(slow.stack));
        QVERIFY2(slow.stack.contains(QStringLiteral("report")), qPrintable(slow.stack));
    }

private:
    QTemporaryDir m_dir;
    QString m_prefix;
    QString m_example;
};

QTEST_GUILESS_MAIN(TestSdk)
#include "test_sdk.moc"
