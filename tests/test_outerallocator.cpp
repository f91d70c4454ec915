// An outer allocator tool preloaded in front of `coroscope run` (issue 13): the runner's malloc
// interposer is found before any preloaded library, so it must forward each block to the next
// malloc in lookup order (the tool's), not to glibc's __libc_* by name, or the tool sees nothing —
// heaptrack recorded 0 allocations. Two tools: tests/preloadcounter (deterministic counts, strict
// about whose blocks it is handed back) and heaptrack itself, as a user runs it. Either way
// Coroscope's own per-task accounting must keep working on top.
#include "scriptfile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

namespace {

constexpr qint64 kMiB = 1024 * 1024;

/// Far fewer than a run makes (Qt, the JS engine and the profiler start-up alone make thousands;
/// the run below measured 14 607 through the counter, 12 731 through heaptrack), and far more than
/// a stray path around the interposer would give: before issue 13's fix both saw 0.
constexpr qint64 kMinAllocations = 2000;

/// `keeper` holds 8 MiB in eight alloc() buffers until the end: a known share for both the outer
/// tool (eight 1 MiB blocks) and Coroscope's account of the task.
const QString kScript = QStringLiteral(R"(
function* keeper() {
    const kept = [];
    for (let i = 0; i < 8; ++i) {
        kept.push(alloc(1024 * 1024));
        yield sleep(2);
    }
    return kept.length;
}
function* main() {
    log('kept', yield spawn('keeper', keeper));
}
)");

struct ProcessRun {
    int exitCode = -1;
    QString out;
    QString err;

    QString describe() const { return QStringLiteral("exit %1\n%2%3").arg(exitCode).arg(out, err); }
};

ProcessRun runProcess(const QString& program, const QStringList& arguments,
                      const QProcessEnvironment& environment, int timeoutMs = 90'000) {
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(program, arguments);
    if (!process.waitForFinished(timeoutMs))
        qFatal("%s %s did not finish", qPrintable(program), qPrintable(arguments.join(u' ')));
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

/// The `name value` lines tests/preloadcounter writes at exit.
QHash<QString, qint64> readCounts(const QString& path) {
    QHash<QString, qint64> counts;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return counts;
    for (const QByteArray& line : file.readAll().split('\n')) {
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() == 2)
            counts.insert(QString::fromLatin1(fields[0]), fields[1].toLongLong());
    }
    return counts;
}

/// live_bytes of task `name` in a JSON report's memory.by_task, or -1.
qint64 liveBytesOfTask(const QString& reportPath, const QString& name) {
    QFile file(reportPath);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QJsonObject report = QJsonDocument::fromJson(file.readAll()).object();
    for (const QJsonValue& task : report[QStringLiteral("memory")][QStringLiteral("by_task")].toArray())
        if (task[QStringLiteral("task")].toString() == name)
            return task[QStringLiteral("live_bytes")].toInteger(-1);
    return -1;
}

} // namespace

class TestOuterAllocator : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    QString path(const QString& name) const { return m_dir.filePath(name); }

private Q_SLOTS:
    void preloadedAllocatorServesEveryBlock();
    void heaptrackRecordsTheRun();
};

void TestOuterAllocator::preloadedAllocatorServesEveryBlock() {
    const QString script = coroscope::test::writeScriptFile(m_dir, QStringLiteral("keep.js"), kScript);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("LD_PRELOAD"), QStringLiteral(COROSCOPE_PRELOADCOUNTER));
    environment.insert(QStringLiteral("COROSCOPE_PRELOADCOUNTER_OUT"), path(QStringLiteral("counts")));
    const ProcessRun run = runProcess(QStringLiteral(COROSCOPE_BINARY),
                                      {QStringLiteral("run"), script, QStringLiteral("--report"),
                                       path(QStringLiteral("counted.json")), QStringLiteral("--session"),
                                       path(QStringLiteral("counted.coroscope"))},
                                      environment);
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    QCOMPARE(run.out.trimmed(), QStringLiteral("kept 8"));

    const QHash<QString, qint64> counts = readCounts(path(QStringLiteral("counts")));
    QVERIFY2(counts.contains(QStringLiteral("allocations")), "the preloaded counter wrote no counts");
    const QString summary = QStringLiteral("allocations %1, frees %2, bytes %3, largest %4, foreign %5")
                                .arg(counts[QStringLiteral("allocations")])
                                .arg(counts[QStringLiteral("frees")])
                                .arg(counts[QStringLiteral("bytes")])
                                .arg(counts[QStringLiteral("largest_block")])
                                .arg(counts[QStringLiteral("foreign")]);
    qInfo("preloaded counter: %s", qPrintable(summary));
    QVERIFY2(counts[QStringLiteral("allocations")] >= kMinAllocations, qPrintable(summary));
    QVERIFY2(counts[QStringLiteral("frees")] > 0, qPrintable(summary));
    // The script's buffers reached it (each 1 MiB plus Coroscope's 16-byte header).
    QVERIFY2(counts[QStringLiteral("largest_block")] >= kMiB, qPrintable(summary));
    QVERIFY2(counts[QStringLiteral("bytes")] >= 8 * kMiB, qPrintable(summary));
    // Never handed a block it did not make: allocation and release go to one allocator, which a
    // replacement allocator (jemalloc, tcmalloc) needs to survive.
    QVERIFY2(counts[QStringLiteral("foreign")] == 0, qPrintable(summary));

    // Coroscope's own accounting, on top of the outer allocator: the keeper holds its 8 MiB.
    const qint64 live = liveBytesOfTask(path(QStringLiteral("counted.json")), QStringLiteral("keeper"));
    QVERIFY2(live >= 8 * kMiB, qPrintable(QString::number(live)));
}

void TestOuterAllocator::heaptrackRecordsTheRun() {
    const QString heaptrack = QStandardPaths::findExecutable(QStringLiteral("heaptrack"));
    const QString heaptrackPrint = QStandardPaths::findExecutable(QStringLiteral("heaptrack_print"));
    QVERIFY2(!heaptrack.isEmpty() && !heaptrackPrint.isEmpty(),
             "heaptrack not found: install the Debian package heaptrack (packaging/dev.sh installs it)");
    const QString script = coroscope::test::writeScriptFile(m_dir, QStringLiteral("tracked.js"), kScript);
    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    // --raw: without it heaptrack interprets the data itself and then opens heaptrack_gui when that
    // is installed. Raw data is turned into a file heaptrack_print reads by the command heaptrack
    // prints for it.
    const ProcessRun run =
        runProcess(heaptrack,
                   {QStringLiteral("--raw"), QStringLiteral("-o"), path(QStringLiteral("heaptrack")),
                    QStringLiteral(COROSCOPE_BINARY), QStringLiteral("run"), script,
                    QStringLiteral("--report"), path(QStringLiteral("tracked.json")),
                    QStringLiteral("--session"), path(QStringLiteral("tracked.coroscope"))},
                   environment);
    QVERIFY2(run.exitCode == 0, qPrintable(run.describe()));
    QVERIFY2(run.out.contains(QStringLiteral("kept 8")), qPrintable(run.describe()));
    QString interpret;
    for (const QString& line : run.out.split(u'\n'))
        if (line.contains(QStringLiteral("heaptrack_interpret")))
            interpret = line.trimmed();
    QVERIFY2(!interpret.isEmpty(), qPrintable(run.describe()));
    const ProcessRun interpreted =
        runProcess(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), interpret}, environment);
    QVERIFY2(interpreted.exitCode == 0,
             qPrintable(interpret + QStringLiteral(": ") + interpreted.describe()));
    const QStringList data =
        QDir(m_dir.path()).entryList({QStringLiteral("heaptrack.zst"), QStringLiteral("heaptrack.gz")});
    QVERIFY2(data.size() == 1, qPrintable(interpret));

    const ProcessRun printed =
        runProcess(heaptrackPrint, {QStringLiteral("-f"), path(data.first())}, environment);
    QVERIFY2(printed.exitCode == 0, qPrintable(printed.describe()));
    const auto calls =
        QRegularExpression(QStringLiteral("calls to allocation functions: (\\d+)")).match(printed.out);
    QVERIFY2(calls.hasMatch(), qPrintable(printed.out.right(2000)));
    qInfo("heaptrack: %s", qPrintable(calls.captured(0)));
    QVERIFY2(calls.captured(1).toLongLong() >= kMinAllocations, qPrintable(printed.out.right(2000)));
    // heaptrack saw the script's buffers too, and where they came from.
    QVERIFY2(printed.out.contains(QStringLiteral("ScriptRuntime::alloc")),
             qPrintable(printed.out.right(4000)));
    // And Coroscope's accounting under heaptrack.
    const qint64 live = liveBytesOfTask(path(QStringLiteral("tracked.json")), QStringLiteral("keeper"));
    QVERIFY2(live >= 8 * kMiB, qPrintable(QString::number(live)));
}

QTEST_GUILESS_MAIN(TestOuterAllocator)
#include "test_outerallocator.moc"
