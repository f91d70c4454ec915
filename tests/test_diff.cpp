// `coroscope diff`: verdicts from hand-built sessions with known regressions and improvements, the
// tolerance's edges, changes from zero, one-sided metrics, each renderer's escaping, and the CLI
// on two real sessions of one script run with different parameters.
#include "report/sessiondiff.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace coroscope;

namespace {

const QString kHostile = QStringLiteral("<script>alert(1)</script>|`x`\n\x1b[31m");

session::SessionData makeSession(const QString& path) {
    session::SessionData d;
    d.path = path;
    d.finished = true;
    d.info.script = QStringLiteral("fetch.js");
    d.info.durationNs = 1'000'000'000;
    return d;
}

void addMetric(session::SessionData& d, const QString& name, std::initializer_list<std::int64_t> micros) {
    LatencyMetric m;
    m.name = name;
    for (const std::int64_t v : micros)
        m.micros.record(v);
    d.snapshot.latency.push_back(std::move(m));
}

void addSlowCallbacks(session::SessionData& d, int n, std::int64_t worstNs) {
    for (int i = 0; i < n; ++i) {
        SlowCallback c;
        c.durationNs = i == 0 ? worstNs : 100'000'000;
        c.taskId = 7;
        c.taskName = QStringLiteral("parser");
        c.location = QStringLiteral("fetch.js:4");
        d.snapshot.slowCallbacks.push_back(c);
    }
}

const DiffRow* row(const SessionDiff& diff, const QString& section, const QString& what,
                   const QString& subject = {}) {
    for (const DiffRow& r : diff.rows)
        if (r.section == section && r.what == what && r.subject == subject)
            return &r;
    qWarning("no row %s %s %s", qPrintable(section), qPrintable(subject), qPrintable(what));
    return nullptr;
}

DiffVerdict verdictOf(const SessionDiff& diff, const QString& section, const QString& what,
                      const QString& subject = {}) {
    const DiffRow* r = row(diff, section, what, subject);
    return r ? r->verdict : DiffVerdict::Info;
}

// Values below 2048 µs have a histogram bucket each, so these percentiles are exact.
SessionDiff knownChanges(double tolerance = 0.10) {
    session::SessionData a = makeSession(QStringLiteral("a.coroscope"));
    session::SessionData b = makeSession(QStringLiteral("b.coroscope"));
    addMetric(a, QStringLiteral("fetch"), {1000, 1000, 1000, 1000});
    addMetric(b, QStringLiteral("fetch"), {1000, 1000, 1000, 2000}); // p99 and max doubled, p50 the same
    addMetric(a, QStringLiteral("parse"), {1000});
    addMetric(b, QStringLiteral("parse"), {1100}); // exactly +10 %
    addMetric(a, QStringLiteral("render"), {1000});
    addMetric(b, QStringLiteral("render"), {1101}); // +10.1 %
    addMetric(a, QStringLiteral("old"), {500});
    addMetric(b, kHostile, {500});
    a.snapshot.loopLagMicros.record(2000);
    b.snapshot.loopLagMicros.record(1000); // lag halved
    addSlowCallbacks(b, 2, 300'000'000);   // none before
    a.snapshot.tasksByState[std::size_t(TaskState::Failed)] = 1;
    a.snapshot.tasksByState[std::size_t(TaskState::Completed)] = 10;
    b.snapshot.tasksByState[std::size_t(TaskState::Completed)] = 20;
    a.snapshot.memoryStats.growthSpanNs = b.snapshot.memoryStats.growthSpanNs = 5'000'000'000;
    a.snapshot.memoryStats.rssGrowthBytesPerSecond = 1000;
    b.snapshot.memoryStats.rssGrowthBytesPerSecond = 1050; // +5 %
    return diffSessions(a, b, tolerance);
}

struct Cli {
    int exitCode = -1;
    QString out, err;
};
Cli coroscopeCli(const QStringList& arguments) {
    QProcess p;
    p.start(QStringLiteral(COROSCOPE_BINARY), arguments);
    if (!p.waitForFinished(60'000))
        p.kill();
    p.waitForFinished();
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QString lineWith(const QString& text, const QString& needle) {
    for (const QString& line : text.split(u'\n'))
        if (line.contains(needle))
            return line;
    return {};
}

} // namespace

class TestDiff : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void verdicts() {
        const SessionDiff diff = knownChanges();
        const QString latency = QStringLiteral("latency"), fetch = QStringLiteral("fetch");
        QCOMPARE(verdictOf(diff, latency, QStringLiteral("p99"), fetch), DiffVerdict::Regression);
        QCOMPARE(verdictOf(diff, latency, QStringLiteral("max"), fetch), DiffVerdict::Regression);
        QCOMPARE(verdictOf(diff, latency, QStringLiteral("p50"), fetch), DiffVerdict::Unchanged);
        QCOMPARE(verdictOf(diff, latency, QStringLiteral("count"), fetch), DiffVerdict::Info); // never judged
        const DiffRow* p99 = row(diff, latency, QStringLiteral("p99"), fetch);
        QCOMPARE(*p99->a, 1e6); // ns
        QCOMPARE(*p99->b, 2e6);
        QCOMPARE(*p99->delta(), 1e6);
        QCOMPARE(*p99->ratio(), 2.0);
        QCOMPARE(verdictOf(diff, QStringLiteral("loop"), QStringLiteral("lag p99")),
                 DiffVerdict::Improvement);
        QCOMPARE(verdictOf(diff, QStringLiteral("tasks"), QStringLiteral("failed")),
                 DiffVerdict::Improvement);
        QCOMPARE(verdictOf(diff, QStringLiteral("tasks"), QStringLiteral("completed")), DiffVerdict::Info);
        QCOMPARE(verdictOf(diff, QStringLiteral("memory"), QStringLiteral("RSS growth")),
                 DiffVerdict::Unchanged);
        // A change from zero: an infinite ratio, beyond any tolerance.
        const DiffRow* slow = row(diff, QStringLiteral("slow callbacks"), QStringLiteral("count"));
        QCOMPARE(slow->verdict, DiffVerdict::Regression);
        QVERIFY(!slow->ratio());
        const DiffRow* worst = row(diff, QStringLiteral("slow callbacks"), QStringLiteral("worst"));
        QVERIFY(!worst->a);
        QCOMPARE(*worst->b, 3e8);
        QCOMPARE(worst->verdict, DiffVerdict::Info); // nothing to compare with; the count row judges
        QCOMPARE(worst->detailB, QStringLiteral("task parser at fetch.js:4"));
        // A metric only one session recorded is shown, not judged.
        QVERIFY(!row(diff, latency, QStringLiteral("p99"), QStringLiteral("old"))->b);
        QCOMPARE(verdictOf(diff, latency, QStringLiteral("p99"), QStringLiteral("old")), DiffVerdict::Info);
        QVERIFY(!row(diff, latency, QStringLiteral("p99"), kHostile)->a);
        // Both zero: unchanged, no ratio.
        const DiffRow* errors = row(diff, QStringLiteral("diagnostics"), QStringLiteral("errors"));
        QCOMPARE(errors->verdict, DiffVerdict::Unchanged);
        QVERIFY(!errors->ratio());
    }

    void toleranceEdges() {
        const QString latency = QStringLiteral("latency");
        const SessionDiff ten = knownChanges(0.10);
        QCOMPARE(verdictOf(ten, latency, QStringLiteral("p50"), QStringLiteral("parse")),
                 DiffVerdict::Unchanged);
        QCOMPARE(verdictOf(ten, latency, QStringLiteral("p50"), QStringLiteral("render")),
                 DiffVerdict::Regression);
        // Zero tolerance: any change counts; a huge one: only changes from zero do.
        const SessionDiff zero = knownChanges(0.0);
        QCOMPARE(verdictOf(zero, latency, QStringLiteral("p50"), QStringLiteral("parse")),
                 DiffVerdict::Regression);
        QCOMPARE(verdictOf(zero, QStringLiteral("memory"), QStringLiteral("RSS growth")),
                 DiffVerdict::Regression);
        QCOMPARE(verdictOf(zero, latency, QStringLiteral("p50"), QStringLiteral("fetch")),
                 DiffVerdict::Unchanged);
        const SessionDiff huge = knownChanges(100.0);
        QCOMPARE(verdictOf(huge, latency, QStringLiteral("p99"), QStringLiteral("fetch")),
                 DiffVerdict::Unchanged);
        QCOMPARE(verdictOf(huge, QStringLiteral("slow callbacks"), QStringLiteral("count")),
                 DiffVerdict::Regression);
        // A drop to zero is -100 %: an improvement below a 100 % tolerance, not at it.
        QCOMPARE(verdictOf(knownChanges(0.99), QStringLiteral("tasks"), QStringLiteral("failed")),
                 DiffVerdict::Improvement);
        QCOMPARE(verdictOf(knownChanges(1.0), QStringLiteral("tasks"), QStringLiteral("failed")),
                 DiffVerdict::Unchanged);
    }

    void lagBelowAMillisecondIsNoise() {
        session::SessionData a = makeSession(QStringLiteral("a"));
        session::SessionData b = makeSession(QStringLiteral("b"));
        a.snapshot.loopLagMicros.record(400);
        b.snapshot.loopLagMicros.record(200); // -50 %, but 200 µs: timer slack
        addMetric(a, QStringLiteral("call"), {400});
        addMetric(b, QStringLiteral("call"), {200}); // the script's own metric has no floor
        const SessionDiff diff = diffSessions(a, b);
        QCOMPARE(verdictOf(diff, QStringLiteral("loop"), QStringLiteral("lag p99")), DiffVerdict::Unchanged);
        QCOMPARE(verdictOf(diff, QStringLiteral("latency"), QStringLiteral("p99"), QStringLiteral("call")),
                 DiffVerdict::Improvement);
        // Task states neither run has are left out; failed stays.
        QVERIFY(row(diff, QStringLiteral("tasks"), QStringLiteral("failed")));
        QVERIFY(std::none_of(diff.rows.begin(), diff.rows.end(),
                             [](const DiffRow& r) { return r.what == QLatin1String("scheduled"); }));
    }

    void identicalSessionsHaveNoChanges() {
        session::SessionData a = makeSession(QStringLiteral("a"));
        addMetric(a, QStringLiteral("fetch"), {100, 200, 5000});
        addSlowCallbacks(a, 3, 400'000'000);
        a.snapshot.loopLagMicros.record(30);
        const SessionDiff diff = diffSessions(a, a, 0.0);
        QCOMPARE(diff.count(DiffVerdict::Regression), std::size_t(0));
        QCOMPARE(diff.count(DiffVerdict::Improvement), std::size_t(0));
        QVERIFY(diff.count(DiffVerdict::Unchanged) > 10);
    }

    void text() {
        const QString text = diffText(knownChanges());
        QVERIFY(text.startsWith(QStringLiteral("A: a.coroscope — fetch.js, completed after 1.00 s\n")));
        const QString p99 = lineWith(text, QStringLiteral("fetch p99"));
        QVERIFY2(p99.contains(QStringLiteral("1.00 ms")) && p99.contains(QStringLiteral("2.00 ms")) &&
                     p99.contains(QStringLiteral("+1.00 ms")) && p99.contains(QStringLiteral("2.00×")) &&
                     p99.endsWith(QStringLiteral("regression")),
                 qPrintable(p99));
        QVERIFY(lineWith(text, QStringLiteral("  count")).contains(QStringLiteral("new")));
        // Columns line up: every value column ends at the same offset as the header's.
        const QString header = lineWith(text, QStringLiteral("verdict"));
        QCOMPARE(p99.indexOf(QStringLiteral("2.00×")) + 5, header.indexOf(QStringLiteral("ratio")) + 5);
        QVERIFY(!text.contains(QChar(0x1b))); // no terminal escape from a script's metric name
        // fetch: mean, p90 … max (6); render: all 7 at +10.1 %; slow callbacks from 0. Lag (4), failed.
        QVERIFY2(text.contains(QStringLiteral("\n14 regressions, 5 improvements, ")), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("      B: task parser at fetch.js:4\n")));
    }

    void json() {
        const QJsonObject root = QJsonDocument::fromJson(diffJson(knownChanges())).object();
        QCOMPARE(root.value(QLatin1String("schema")).toString(), QLatin1String(kDiffJsonSchema));
        QCOMPARE(root.value(QLatin1String("tolerance")).toDouble(), 0.1);
        QCOMPARE(root.value(QLatin1String("a")).toObject().value(QLatin1String("session")).toString(),
                 QStringLiteral("a.coroscope"));
        const QJsonObject summary = root.value(QLatin1String("summary")).toObject();
        QVERIFY(summary.value(QLatin1String("regressions")).toInt() >= 3);
        bool sawP99 = false, sawNew = false;
        for (const QJsonValue& v : root.value(QLatin1String("rows")).toArray()) {
            const QJsonObject r = v.toObject();
            if (r.value(QLatin1String("metric")).toString() == QLatin1String("fetch") &&
                r.value(QLatin1String("what")).toString() == QLatin1String("p99")) {
                sawP99 = true;
                QCOMPARE(r.value(QLatin1String("unit")).toString(), QStringLiteral("ms"));
                QCOMPARE(r.value(QLatin1String("a")).toDouble(), 1.0);
                QCOMPARE(r.value(QLatin1String("b")).toDouble(), 2.0);
                QCOMPARE(r.value(QLatin1String("delta")).toDouble(), 1.0);
                QCOMPARE(r.value(QLatin1String("ratio")).toDouble(), 2.0);
                QCOMPARE(r.value(QLatin1String("verdict")).toString(), QStringLiteral("regression"));
            }
            if (r.value(QLatin1String("metric")).toString() == kHostile &&
                r.value(QLatin1String("what")).toString() == QLatin1String("p50")) {
                sawNew = true;
                QVERIFY(r.value(QLatin1String("a")).isNull() && r.value(QLatin1String("ratio")).isNull());
                QCOMPARE(r.value(QLatin1String("verdict")).toString(), QStringLiteral("info"));
            }
        }
        QVERIFY(sawP99 && sawNew);
    }

    void markdownAndHtmlEscape() {
        const QString md = QString::fromUtf8(diffMarkdown(knownChanges()));
        QVERIFY(md.startsWith(QStringLiteral("## Coroscope diff: `a.coroscope` → `b.coroscope`\n")));
        QVERIFY2(
            md.contains(QStringLiteral("| 🔴 | latency | `fetch` p99 | 1.00 ms | 2.00 ms | +1.00 ms | 2.00× | "
                                       "**regression** |")),
            qPrintable(md));
        QVERIFY(md.contains(QStringLiteral("<details><summary>All ")));
        // The hostile name only ever in a code span, flattened to one line, where it shows as text.
        const QString span = QStringLiteral("``<script>alert(1)</script>\\|`x`  [31m``");
        QVERIFY(md.contains(span));
        QCOMPARE(md.count(QStringLiteral("<script>")), md.count(span));
        for (const QString& line : md.split(u'\n'))
            if (line.startsWith(u'|')) {
                int pipes = 0;
                for (qsizetype i = 0; i < line.size(); ++i)
                    pipes += line.at(i) == u'|' && (i == 0 || line.at(i - 1) != u'\\') ? 1 : 0;
                QVERIFY2(pipes == 9, qPrintable(line));
            }
        const QString html = QString::fromUtf8(diffHtml(knownChanges()));
        QVERIFY(html.startsWith(QStringLiteral("<!DOCTYPE html>")));
        QVERIFY(!html.contains(QStringLiteral("<script")));
        QVERIFY(html.contains(QStringLiteral("&lt;script&gt;alert(1)&lt;/script&gt;")));
        QVERIFY(html.contains(QStringLiteral("<tr class=\"regression\"><td>fetch p99</td>")));
        QVERIFY(html.contains(QStringLiteral("<tr class=\"improvement\">")));
        QVERIFY(!html.contains(QStringLiteral("http://")) && !html.contains(QStringLiteral("https://")));
    }

    void cliMarksASlowerFetchAsARegression() {
        const QTemporaryDir dir;
        const QString script = dir.filePath(QStringLiteral("fetch.js"));
        QFile file(script);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("function* main() { for (let i = 0; i < 20; ++i) yield measure('fetch', "
                   "sleep(Number(params.ms))); }\n");
        file.close();
        const QString a = dir.filePath(QStringLiteral("a.coroscope"));
        const QString b = dir.filePath(QStringLiteral("b.coroscope"));
        for (const auto& [session, ms] :
             {std::pair(a, QStringLiteral("ms=5")), std::pair(b, QStringLiteral("ms=30"))}) {
            const Cli run = coroscopeCli({QStringLiteral("run"), script, QStringLiteral("--param"), ms,
                                          QStringLiteral("--session"), session});
            QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        }
        const Cli diff = coroscopeCli({QStringLiteral("diff"), a, b});
        QVERIFY2(diff.exitCode == 0, qPrintable(diff.err));
        QVERIFY2(lineWith(diff.out, QStringLiteral("fetch p99")).endsWith(QStringLiteral("regression")),
                 qPrintable(diff.out));
        QVERIFY(diff.out.contains(QStringLiteral("ms=30")));
        // A tolerance above the change (30 ms against 5 ms: +500 %) leaves it unchanged.
        const Cli tolerant = coroscopeCli(
            {QStringLiteral("diff"), a, b, QStringLiteral("--tolerance"), QStringLiteral("2000%")});
        QVERIFY(lineWith(tolerant.out, QStringLiteral("fetch p99")).endsWith(QStringLiteral("unchanged")));

        const QString json = dir.filePath(QStringLiteral("d.json"));
        QCOMPARE(coroscopeCli({QStringLiteral("diff"), a, b, QStringLiteral("-o"), json}).exitCode, 0);
        bool regression = false;
        for (const QJsonValue& v :
             QJsonDocument::fromJson(readAll(json)).object().value(QLatin1String("rows")).toArray())
            regression |= v[QLatin1String("metric")] == QLatin1String("fetch") &&
                          v[QLatin1String("what")] == QLatin1String("p99") &&
                          v[QLatin1String("verdict")] == QLatin1String("regression");
        QVERIFY(regression);
        const QString md = dir.filePath(QStringLiteral("d.md"));
        QCOMPARE(coroscopeCli({QStringLiteral("diff"), a, b, QStringLiteral("-o"), md}).exitCode, 0);
        QVERIFY(QString::fromUtf8(readAll(md)).contains(QStringLiteral("| 🔴 | latency | `fetch` p99 |")));
        const QString html = dir.filePath(QStringLiteral("d.html"));
        QCOMPARE(coroscopeCli({QStringLiteral("diff"), a, b, QStringLiteral("-o"), html}).exitCode, 0);
        QVERIFY(readAll(html).contains("<tr class=\"regression\"><td>fetch p99</td>"));
    }

    void cliBadInput() {
        const QTemporaryDir dir;
        const QString missing = dir.filePath(QStringLiteral("missing.coroscope"));
        const QString damaged = dir.filePath(QStringLiteral("damaged.coroscope"));
        QFile file(damaged);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(4096, 'x'));
        file.close();
        const Cli noFile = coroscopeCli({QStringLiteral("diff"), missing, damaged});
        QCOMPARE(noFile.exitCode, 2);
        QVERIFY2(noFile.err.contains(missing), qPrintable(noFile.err));
        const Cli garbage = coroscopeCli({QStringLiteral("diff"), damaged, damaged});
        QCOMPARE(garbage.exitCode, 2);
        QVERIFY2(garbage.err.contains(damaged), qPrintable(garbage.err));
        QCOMPARE(coroscopeCli({QStringLiteral("diff"), damaged}).exitCode, 2);
        const Cli tolerance = coroscopeCli(
            {QStringLiteral("diff"), damaged, damaged, QStringLiteral("--tolerance"), QStringLiteral("-5%")});
        QCOMPARE(tolerance.exitCode, 2);
        QVERIFY(tolerance.err.contains(QStringLiteral("is not a percentage")));
        const Cli extension = coroscopeCli({QStringLiteral("diff"), damaged, damaged, QStringLiteral("-o"),
                                            dir.filePath(QStringLiteral("d.pdf"))});
        QCOMPARE(extension.exitCode, 2);
        QVERIFY(extension.err.contains(QStringLiteral(".json, .md or .html")));
        const Cli help = coroscopeCli({QStringLiteral("diff"), QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.startsWith(QStringLiteral("Usage: coroscope diff")));
    }
};

QTEST_GUILESS_MAIN(TestDiff)
#include "test_diff.moc"
