// Damaged and edited session files: a truncated file gives what is intact and says what is lost;
// never a crash or a hang.
#include "jsonreportvalidator.h"
#include "reading/sessionreader.h"
#include "sessionfilesupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace coroscope;
using namespace coroscope::session;
using namespace coroscope::test;

class TestSessionSalvage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void truncatedSessionKeepsWhatIsIntact_data();
    void truncatedSessionKeepsWhatIsIntact();
    void everyCutIsReadOrRefusedQuickly();

private:
    /// A real run's session, recorded once: every table has rows, tasks span many pages.
    QString recorded();
    QString cutCopy(const QString& name, qint64 bytes);

    QTemporaryDir m_dir;
    QString m_recorded;
};

QString TestSessionSalvage::recorded() {
    if (!m_recorded.isEmpty())
        return m_recorded;
    const QString script = m_dir.filePath(QStringLiteral("mix.js"));
    QFile file(script);
    if (!file.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(script));
    file.write("function* fetch(i) { yield sleep(1 + i % 5); return i; }\n"
               "function* main() {\n"
               "    log('start');\n"
               "    for (let round = 0; round < 10; ++round) {\n"
               "        const tasks = [];\n"
               "        for (let i = 0; i < 200; ++i) tasks.push(spawn('fetch-' + i, fetch, i));\n"
               "        yield measure('round', gather(tasks));\n"
               "        log('round ' + round);\n"
               "    }\n"
               "    yield sleep(300); blockFor(150);\n"
               "}\n");
    file.close();
    const QString path = m_dir.filePath(QStringLiteral("recorded.coroscope"));
    const Result r = coroscopeCli({QStringLiteral("run"), script, QStringLiteral("--session"), path});
    if (r.exitCode != 0 || QFile::exists(path + QStringLiteral("-wal")))
        qFatal("coroscope run: %s", qPrintable(r.err));
    return m_recorded = path;
}

QString TestSessionSalvage::cutCopy(const QString& name, qint64 bytes) {
    const QString path = m_dir.filePath(name);
    QFile::remove(path);
    QFile out(path);
    if (!out.open(QIODevice::WriteOnly) || out.write(contents(recorded()).left(bytes)) != bytes)
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

void TestSessionSalvage::truncatedSessionKeepsWhatIsIntact_data() {
    QTest::addColumn<int>("percent");
    QTest::newRow("half") << 50;
    QTest::newRow("95 %") << 95;
}

// Before: "database disk image is malformed — not a Coroscope session, or a damaged one" at 50 %, and
// at 95 % a report without a word about what was missing.
void TestSessionSalvage::truncatedSessionKeepsWhatIsIntact() {
    QFETCH(int, percent);
    const SessionData whole = readSession(recorded());
    const qint64 size = QFileInfo(recorded()).size();
    QVERIFY(size > 10 * 65536); // many pages: the cut leaves some tables whole, some cut, some gone
    const QString path = cutCopy(QStringLiteral("cut-%1.coroscope").arg(percent), size * percent / 100);
    SessionData cut;
    try {
        cut = readSession(path);
    } catch (const SessionError& e) {
        QFAIL(qPrintable(e.message()));
    }
    QVERIFY(!cut.warnings.isEmpty());
    QCOMPARE(cut.warnings.front(), QStringLiteral("%1: the file is cut short (%2 of its %3 bytes): what the "
                                                  "rest held is lost")
                                       .arg(path)
                                       .arg(size * percent / 100)
                                       .arg(size));
    // What was read is what the whole file has, as far as it goes; whatever came out short is named.
    const auto named = [&](const char* table) {
        return cut.warnings.filter(QStringLiteral(": table %1 ").arg(QLatin1String(table))).size() == 1;
    };
    QCOMPARE(cut.info.script, whole.info.script); // meta is among the first pages
    QCOMPARE(cut.info.status, whole.info.status);
    QVERIFY(cut.snapshot.tasks.size() <= whole.snapshot.tasks.size());
    for (std::size_t i = 0; i < cut.snapshot.tasks.size(); ++i) {
        QCOMPARE(cut.snapshot.tasks[i].id, whole.snapshot.tasks[i].id);
        QCOMPARE(cut.snapshot.tasks[i].name, whole.snapshot.tasks[i].name);
        QCOMPARE(cut.snapshot.tasks[i].busyNs, whole.snapshot.tasks[i].busyNs);
    }
    QCOMPARE(cut.snapshot.tasks.size() < whole.snapshot.tasks.size(), named("tasks"));
    QCOMPARE(cut.logs.size() < whole.logs.size(), named("logs"));
    QCOMPARE(cut.timeSeries.size() < whole.timeSeries.size(), named("timeseries"));
    QCOMPARE(cut.snapshot.memory.size() < whole.snapshot.memory.size(), named("memory_samples"));
    QCOMPARE(cut.snapshot.slowCallbacks.size() < whole.snapshot.slowCallbacks.size(),
             named("slow_callbacks"));
    if (percent == 50)
        QVERIFY(cut.warnings.size() >= 2); // half of the pages cannot all have been free
    // coroscope report writes what there is, and says on stderr what is not.
    const QString json = m_dir.filePath(QStringLiteral("cut-%1.json").arg(percent));
    const Result r = coroscopeCli({QStringLiteral("report"), path, QStringLiteral("-o"), json});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    for (const QString& warning : cut.warnings)
        QVERIFY2(r.err.contains(QStringLiteral("coroscope report: warning: ") + warning + u'\n'),
                 qPrintable(r.err));
    const auto problem = validateJsonReport(contents(json));
    QVERIFY2(!problem, qPrintable(problem.value_or(QString())));
    // Every other format, the Chrome trace too (it reads the segments): written, or refused in words.
    for (const char* other : {"r.html", "r.csv", "r.md", "r.trace.json"}) {
        const Result o = coroscopeCli(
            {QStringLiteral("report"), path, QStringLiteral("-o"), m_dir.filePath(QLatin1String(other))});
        QVERIFY(!o.crashed);
        QVERIFY2(o.exitCode == 0 || (o.exitCode == 2 && o.err.contains(path)), qPrintable(o.err));
    }
}

// Cut anywhere: the reader salvages (and says so) or refuses naming the file; never a crash or a hang.
void TestSessionSalvage::everyCutIsReadOrRefusedQuickly() {
    const qint64 size = QFileInfo(recorded()).size();
    QElapsedTimer clock;
    clock.start();
    int salvaged = 0;
    for (int step = 1; step < 40; ++step) {
        const qint64 bytes = size * step / 40 + (step % 3) * 1000; // not only on page boundaries
        const QString path = cutCopy(QStringLiteral("cut.coroscope"), bytes);
        try {
            const SessionData s = readSession(path);
            QVERIFY2(!s.warnings.isEmpty() &&
                         s.warnings.front().startsWith(path + QStringLiteral(": the file is cut short")),
                     qPrintable(QString::number(bytes)));
            ++salvaged;
        } catch (const SessionError& e) {
            QVERIFY2(e.message().startsWith(path + QStringLiteral(": ")), qPrintable(e.message()));
        }
    }
    QVERIFY2(salvaged >= 35, qPrintable(QString::number(salvaged))); // all but cuts into the first pages
    QVERIFY2(clock.elapsed() < 20'000, qPrintable(QString::number(clock.elapsed())));
}

QTEST_GUILESS_MAIN(TestSessionSalvage)
#include "test_sessionsalvage.moc"
