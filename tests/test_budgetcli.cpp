// CI budgets through the real binary, as a CI job runs it: `coroscope run` and `coroscope report`
// with --fail-on and --junit, their exit codes, and the errors that must come before any run.
#include "junitsupport.h"
#include "report/budget.h"
#include "scriptfile.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace coroscope::test;

namespace {

struct Cli {
    int exitCode = -1;
    QString out;
    QString err;
};

Cli cli(const QStringList& arguments) {
    QProcess process;
    process.start(QStringLiteral(COROSCOPE_BINARY), arguments);
    if (!process.waitForFinished(60'000))
        qFatal("coroscope did not finish");
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

// The blocking script: one 150 ms slow callback.
constexpr char kBlocking[] = "function* main() { blockFor(150); yield sleep(1); }\n";

} // namespace

class TestBudgetCli : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    QString script(const QString& name, const QString& source) {
        return coroscope::test::writeScriptFile(m_dir, name, source);
    }

private Q_SLOTS:
    void runFailsOnAViolatedBudget();
    void runPassesAKeptBudget();
    void malformedBudgetRunsNothing();
    void budgetBelowTheSlowThresholdIsBadInput();
    void latencyBudgetsNameTheirMetric();
    void failedWorkloadOutranksBudgets();
    void reportChecksBudgets();
    void helpListsTheOptions();
    void ciDocListsEveryMetric();
};

void TestBudgetCli::runFailsOnAViolatedBudget() {
    const QString js = script(QStringLiteral("block.js"), QString::fromUtf8(kBlocking));
    const QString session = m_dir.filePath(QStringLiteral("block.coroscope"));
    const QString junit = m_dir.filePath(QStringLiteral("block.xml"));
    const Cli r =
        cli({QStringLiteral("run"), js, QStringLiteral("--session"), session, QStringLiteral("--fail-on"),
             QStringLiteral("slow-callbacks>0"), QStringLiteral("--fail-on"),
             QStringLiteral("tasks.failed>0"), QStringLiteral("--junit"), junit});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(QStringLiteral("budget violated: slow-callbacks>0 (measured 1)\n")),
             qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("Budgets: 1 violated, 1 passed\n")), qPrintable(r.err));
    const std::vector<TestCase> cases = readJUnit(readFile(junit));
    QCOMPARE(cases.size(), std::size_t(2));
    QCOMPARE(cases[0].failure, QStringLiteral("measured 1, budget slow-callbacks>0"));
    QCOMPARE(cases[1].failure, QString());
    // The session is the run's: `report` checks the same budget on it later (reportChecksBudgets).
    QVERIFY(QFile::exists(session));
}

void TestBudgetCli::runPassesAKeptBudget() {
    const QString js = script(QStringLiteral("block2.js"), QString::fromUtf8(kBlocking));
    const QString junit = m_dir.filePath(QStringLiteral("kept.xml"));
    const Cli r = cli({QStringLiteral("run"), js, QStringLiteral("--session"),
                       m_dir.filePath(QStringLiteral("kept.coroscope")), QStringLiteral("--fail-on"),
                       QStringLiteral("max-block>1s"), QStringLiteral("--fail-on"),
                       QStringLiteral("slow-callbacks > 5"), QStringLiteral("--junit"), junit});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("Budgets: 2 passed\n")), qPrintable(r.err));
    QVERIFY(!r.err.contains(QStringLiteral("budget violated")));
    const std::vector<TestCase> cases = readJUnit(readFile(junit));
    QCOMPARE(cases.size(), std::size_t(2));
    QCOMPARE(cases[1].name, QStringLiteral("slow-callbacks>5"));
    QVERIFY(cases[0].failure.isEmpty() && cases[1].failure.isEmpty());
}

void TestBudgetCli::malformedBudgetRunsNothing() {
    const QString js =
        script(QStringLiteral("logs.js"), QStringLiteral("function* main() { log('ran'); }\n"));
    const QString session = m_dir.filePath(QStringLiteral("never.coroscope"));
    const QString junit = m_dir.filePath(QStringLiteral("never.xml"));
    const Cli r =
        cli({QStringLiteral("run"), js, QStringLiteral("--session"), session, QStringLiteral("--fail-on"),
             QStringLiteral("slow-callbacks>0"), QStringLiteral("--fail-on"),
             QStringLiteral("p99(fetch)>fast"), QStringLiteral("--junit"), junit});
    QCOMPARE(r.exitCode, 2);
    QCOMPARE(
        r.err,
        QStringLiteral("coroscope run: --fail-on 'p99(fetch)>fast': 'fast' is not a duration (like 50ms)\n"));
    QCOMPARE(r.out, QString()); // the script did not run
    QVERIFY(!QFile::exists(session));
    QVERIFY(!QFile::exists(junit));
    // An unwritable JUnit path is bad input too, before the run.
    const Cli unwritable =
        cli({QStringLiteral("run"), js, QStringLiteral("--session"), session, QStringLiteral("--junit"),
             m_dir.filePath(QStringLiteral("no/such/dir.xml"))});
    QCOMPARE(unwritable.exitCode, 2);
    QVERIFY2(unwritable.err.contains(QStringLiteral("--junit: cannot write the JUnit file")),
             qPrintable(unwritable.err));
    QVERIFY(!QFile::exists(session));
}

void TestBudgetCli::budgetBelowTheSlowThresholdIsBadInput() {
    const QString js =
        script(QStringLiteral("quick.js"), QStringLiteral("function* main() { log('ran'); }\n"));
    const QString session = m_dir.filePath(QStringLiteral("quick.coroscope"));
    const Cli r = cli({QStringLiteral("run"), js, QStringLiteral("--session"), session,
                       QStringLiteral("--fail-on"), QStringLiteral("max-block>50ms")});
    QCOMPARE(r.exitCode, 2);
    QCOMPARE(r.err,
             QStringLiteral("coroscope run: --fail-on 'max-block>50ms': callbacks shorter than the slow "
                            "threshold (100 ms) are not recorded; add --slow-threshold 50ms\n"));
    QVERIFY(!QFile::exists(session));
    const Cli lowered = cli({QStringLiteral("run"), js, QStringLiteral("--session"), session,
                             QStringLiteral("--slow-threshold"), QStringLiteral("50ms"),
                             QStringLiteral("--fail-on"), QStringLiteral("max-block>50ms")});
    QVERIFY2(lowered.exitCode == 0, qPrintable(lowered.err));
}

void TestBudgetCli::latencyBudgetsNameTheirMetric() {
    const QString js = script(QStringLiteral("fetch.js"),
                              QStringLiteral("function* main() { yield measure('fetch', sleep(30)); }\n"));
    auto runWith = [&](const QString& budget) {
        return cli({QStringLiteral("run"), js, QStringLiteral("--session"),
                    m_dir.filePath(QStringLiteral("fetch-%1.coroscope").arg(qHash(budget))),
                    QStringLiteral("--fail-on"), budget});
    };
    const Cli slow = runWith(QStringLiteral("p99(fetch)>10ms"));
    QCOMPARE(slow.exitCode, 3);
    QVERIFY2(slow.err.contains(QStringLiteral("budget violated: p99(fetch)>10ms (measured 3")),
             qPrintable(slow.err));
    const Cli fast = runWith(QStringLiteral("p99(fetch)>1s"));
    QVERIFY2(fast.exitCode == 0, qPrintable(fast.err));
    const Cli typo = runWith(QStringLiteral("p99(fecth)>1s"));
    QCOMPARE(typo.exitCode, 3);
    QVERIFY2(typo.err.contains(QStringLiteral(
                 "budget violated: p99(fecth)>1s (no metric named 'fecth' in this run; it has: fetch)\n")),
             qPrintable(typo.err));
}

void TestBudgetCli::failedWorkloadOutranksBudgets() {
    const QString js =
        script(QStringLiteral("throws.js"),
               QStringLiteral("function* main() { blockFor(150); yield sleep(1); throw new Error('x'); }\n"));
    const QString junit = m_dir.filePath(QStringLiteral("throws.xml"));
    const Cli r = cli({QStringLiteral("run"), js, QStringLiteral("--session"),
                       m_dir.filePath(QStringLiteral("throws.coroscope")), QStringLiteral("--fail-on"),
                       QStringLiteral("slow-callbacks>0"), QStringLiteral("--junit"), junit});
    QCOMPARE(r.exitCode, 1);
    // The budgets are still checked and written.
    QVERIFY2(r.err.contains(QStringLiteral("budget violated: slow-callbacks>0")), qPrintable(r.err));
    QCOMPARE(readJUnit(readFile(junit)).size(), std::size_t(1));
}

void TestBudgetCli::reportChecksBudgets() {
    const QString js = script(QStringLiteral("block3.js"), QString::fromUtf8(kBlocking));
    const QString session = m_dir.filePath(QStringLiteral("later.coroscope"));
    QCOMPARE(cli({QStringLiteral("run"), js, QStringLiteral("--session"), session}).exitCode, 0);
    const QString json = m_dir.filePath(QStringLiteral("later.json"));
    const QString junit = m_dir.filePath(QStringLiteral("later.xml"));
    const Cli violated =
        cli({QStringLiteral("report"), session, QStringLiteral("-o"), json, QStringLiteral("--fail-on"),
             QStringLiteral("slow-callbacks>0"), QStringLiteral("--junit"), junit});
    QCOMPARE(violated.exitCode, 3);
    QVERIFY2(violated.err.contains(QStringLiteral("budget violated: slow-callbacks>0 (measured 1)\n")),
             qPrintable(violated.err));
    QVERIFY(QFile::exists(json));
    QCOMPARE(readJUnit(readFile(junit)).at(0).failure, QStringLiteral("measured 1, budget slow-callbacks>0"));
    // Without -o: only the budgets.
    const Cli kept = cli(
        {QStringLiteral("report"), session, QStringLiteral("--fail-on"), QStringLiteral("max-block>=1s")});
    QVERIFY2(kept.exitCode == 0, qPrintable(kept.err));
    QVERIFY(kept.err.contains(QStringLiteral("Budgets: 1 passed\n")));
    // Malformed: bad input, and no report written.
    const QString unwritten = m_dir.filePath(QStringLiteral("unwritten.json"));
    const Cli bad = cli({QStringLiteral("report"), session, QStringLiteral("-o"), unwritten,
                         QStringLiteral("--fail-on"), QStringLiteral("rss.peak>5s")});
    QCOMPARE(bad.exitCode, 2);
    QCOMPARE(bad.err,
             QStringLiteral("coroscope report: --fail-on 'rss.peak>5s': '5s' is a duration, but rss.peak "
                            "is a size (like 512MiB)\n"));
    QVERIFY(!QFile::exists(unwritten));
    // Still neither a report nor a budget: -o is missing.
    QCOMPARE(cli({QStringLiteral("report"), session}).exitCode, 2);
}

void TestBudgetCli::helpListsTheOptions() {
    for (const char* command : {"run", "report"}) {
        const Cli r = cli({QString::fromLatin1(command), QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("--fail-on <EXPR>")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("--junit <FILE>")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("3 a --fail-on")), qPrintable(r.out));
    }
}

void TestBudgetCli::ciDocListsEveryMetric() {
    const QString doc = QString::fromUtf8(readFile(QStringLiteral(COROSCOPE_CI_DOC)));
    QVERIFY(!doc.isEmpty());
    for (const QString& metric : coroscope::budgetMetricNames())
        QVERIFY2(doc.contains(QString(u'`' + metric)), qPrintable(metric));
    QVERIFY(doc.contains(QStringLiteral("--junit")));
}
QTEST_GUILESS_MAIN(TestBudgetCli)
#include "test_budgetcli.moc"
