// Golden files: a fixed-seed example, recorded into a session and reported from it, must give the
// report kept in tests/golden/ — identical in everything but timings and heap figures, which get
// tolerances. Then every report format is made from one session with hostile names in it.
//
// After an intended change of the report, regenerate the golden file and review its diff:
//   COROSCOPE_UPDATE_GOLDEN=1 ctest --test-dir build/dev -R test_golden
#include "jsonreportvalidator.h"
#include "report/jsonreport.h"
#include "tracevalidator.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace coroscope;

namespace {

const QString kGolden = QStringLiteral(QT_TESTCASE_SOURCEDIR "/golden/retry-backoff-seed42.report.json");

struct Result {
    int exitCode = -1;
    QString err;
};

Result cli(const QStringList& arguments) {
    QProcess process;
    process.start(QStringLiteral(COROSCOPE_BINARY), arguments);
    if (!process.waitForFinished(60'000))
        process.kill();
    process.waitForFinished();
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardError())};
}

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

/// Compares `actual` with `expected` under the golden rules; appends each difference to `out`.
void compare(const QJsonValue& expected, const QJsonValue& actual, const QString& path, QStringList& out) {
    const QString key = path.section(u'.', -1).section(u'[', 0, 0);
    // Heap figures and CPU samples follow the allocator and the machine; the version follows releases.
    static const QStringList kValueFree{QStringLiteral("alloc_bytes"), QStringLiteral("live_bytes"),
                                        QStringLiteral("by_task"), QStringLiteral("coroscope_version"),
                                        QStringLiteral("cpu_profile")};
    if (kValueFree.contains(key) || path.startsWith(QLatin1String("memory."))) {
        if (expected.type() != actual.type() && !expected.isNull() && !actual.isNull())
            out << QStringLiteral("%1: type changed").arg(path);
        return;
    }
    if (expected.type() != actual.type()) {
        out << QStringLiteral("%1: expected %2, got %3")
                   .arg(path,
                        QString::fromUtf8(QJsonDocument(QJsonArray{expected}).toJson(QJsonDocument::Compact)),
                        QString::fromUtf8(QJsonDocument(QJsonArray{actual}).toJson(QJsonDocument::Compact)));
        return;
    }
    if (expected.isObject()) {
        const QJsonObject e = expected.toObject(), a = actual.toObject();
        if (e.keys() != a.keys())
            out << QStringLiteral("%1: keys %2 became %3")
                       .arg(path, e.keys().join(u','), a.keys().join(u','));
        for (const QString& k : e.keys())
            if (a.contains(k))
                compare(e.value(k), a.value(k), path.isEmpty() ? k : path + u'.' + k, out);
        return;
    }
    if (expected.isArray()) {
        QJsonArray e = expected.toArray(), a = actual.toArray();
        if (key == QLatin1String("await_sites")) {
            // Listed by total suspended time, which follows the machine: compared by site.
            QJsonArray se, sa;
            QList<QJsonValue> le(e.begin(), e.end()), la(a.begin(), a.end());
            const auto k = [](const QJsonValue& v) -> QString {
                return v[QLatin1String("location")].toString() + u'|' +
                       v[QLatin1String("awaited")].toString();
            };
            const auto less = [&](const QJsonValue& x, const QJsonValue& y) { return k(x) < k(y); };
            std::sort(le.begin(), le.end(), less);
            std::sort(la.begin(), la.end(), less);
            for (const QJsonValue& v : le)
                se.append(v);
            for (const QJsonValue& v : la)
                sa.append(v);
            e = se;
            a = sa;
        }
        if (e.size() != a.size())
            out << QStringLiteral("%1: %2 items became %3").arg(path).arg(e.size()).arg(a.size());
        for (qsizetype i = 0; i < std::min(e.size(), a.size()); ++i)
            compare(e.at(i), a.at(i), QStringLiteral("%1[%2]").arg(path).arg(i), out);
        return;
    }
    if (expected.isDouble()) {
        const double e = expected.toDouble(), a = actual.toDouble();
        bool ok = e == a;
        if (key.endsWith(QLatin1String("_ms")) || key == QLatin1String("utilization"))
            ok = std::abs(a - e) <= 150 || (a > 0 && e > 0 && a / e < 3 && e / a < 3); // timings
        else if (path.startsWith(QLatin1String("loop."))) // probe ticks: one per 10 ms of the run,
            // so as loose as the run's duration (a loaded machine ran it in 400 ms, not 141 ms)
            ok = std::abs(a - e) <= 10 || (a > 0 && e > 0 && a / e < 3 && e / a < 3);
        else if (key == QLatin1String("resumes"))
            // How many wake-ups a gather takes depends on how many of its tasks end in one tick.
            ok = std::abs(a - e) <= std::max(3.0, e);
        if (!ok)
            out << QStringLiteral("%1: expected %2, got %3").arg(path).arg(e).arg(a);
        return;
    }
    if (expected != actual)
        out << QStringLiteral("%1: expected '%2', got '%3'")
                   .arg(path, expected.toString(), actual.toString());
}

} // namespace

class TestGolden : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void seededExampleMatchesItsGoldenReport();
    void everyFormatFromOneSession();
};

void TestGolden::seededExampleMatchesItsGoldenReport() {
    const QTemporaryDir dir;
    const QString session = dir.filePath(QStringLiteral("golden.coroscope"));
    const QString report = dir.filePath(QStringLiteral("golden.json"));
    const Result run =
        cli({QStringLiteral("run"), QStringLiteral("example:retry-backoff"), QStringLiteral("--seed"),
             QStringLiteral("42"), QStringLiteral("--session"), session});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const Result made = cli({QStringLiteral("report"), session, QStringLiteral("-o"), report});
    QVERIFY2(made.exitCode == 0, qPrintable(made.err));
    const QByteArray actual = readAll(report);
    QVERIFY(!validateJsonReport(actual));
    if (qEnvironmentVariableIsSet("COROSCOPE_UPDATE_GOLDEN")) {
        QFile golden(kGolden);
        QVERIFY(golden.open(QIODevice::WriteOnly | QIODevice::Truncate));
        golden.write(actual);
        QSKIP("golden file rewritten: review its diff");
    }
    const QByteArray expected = readAll(kGolden);
    QVERIFY2(!expected.isEmpty(), qPrintable(kGolden));
    QStringList differences;
    compare(QJsonDocument::fromJson(expected).object(), QJsonDocument::fromJson(actual).object(), QString(),
            differences);
    QVERIFY2(differences.isEmpty(), qPrintable(differences.join(u'\n')));
}

void TestGolden::everyFormatFromOneSession() {
    const QTemporaryDir dir;
    // In a file of its own: moc misreads a raw string literal with these quotes in it.
    const QString script = QStringLiteral(QT_TESTCASE_SOURCEDIR "/golden/hostile.js");
    const QString session = dir.filePath(QStringLiteral("hostile.coroscope"));
    const Result run = cli({QStringLiteral("run"), script, QStringLiteral("--session"), session});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const QString evil = QStringLiteral("<img src=x onerror=alert(1)>");
    auto report = [&](const QString& name, const QStringList& extra = {}) {
        const QString path = dir.filePath(name);
        const Result r =
            cli(QStringList{QStringLiteral("report"), session, QStringLiteral("-o"), path} + extra);
        if (r.exitCode != 0)
            qWarning("%s", qPrintable(r.err));
        return r.exitCode == 0 ? readAll(path) : QByteArray();
    };
    const QByteArray json = report(QStringLiteral("r.json"));
    QVERIFY(!validateJsonReport(json));
    QVERIFY(QJsonDocument::fromJson(json).toJson().contains("<img src=x onerror=alert(1)>")); // data, intact

    const QString html = QString::fromUtf8(report(QStringLiteral("r.html")));
    QVERIFY(html.contains(QStringLiteral("&lt;img src=x onerror=alert(1)&gt;")));
    QVERIFY(!html.contains(evil));
    static const QRegularExpression imgTag(QStringLiteral("<img"), QRegularExpression::CaseInsensitiveOption);
    QVERIFY(!imgTag.match(html).hasMatch());

    const QString markdown = QString::fromUtf8(report(QStringLiteral("r.md")));
    QVERIFY(markdown.contains(QStringLiteral("Coroscope")));
    // Raw HTML in a PR comment would be rendered, except inside a code span or a fenced code block
    // (the log, the stacks), where it is text.
    static const QRegularExpression fenced(QStringLiteral("(?s)(`{3,})\\n.*?\\n\\1\\n"));
    static const QRegularExpression codeSpan(QStringLiteral("(`+).+?\\1"));
    QVERIFY(!QString(markdown).remove(fenced).remove(codeSpan).contains(QStringLiteral("<img")));
    QVERIFY(markdown.contains(QStringLiteral("<img"))); // ... and in a code span it is

    for (const char* table : {"tasks", "slow_callbacks", "latency", "timeseries"}) {
        const QByteArray csv = report(QStringLiteral("%1.csv").arg(QLatin1String(table)),
                                      {QStringLiteral("--table"), QString::fromLatin1(table)});
        QVERIFY2(csv.count("\r\n") >= 2, table); // a header and at least one row, CRLF-ended
    }

    const QByteArray trace = report(QStringLiteral("r.trace.json"));
    const test::TraceCheck check = test::checkTrace(trace);
    QVERIFY2(check.errors.isEmpty(), qPrintable(check.errors.join(u'\n')));
    QCOMPARE(check.count("b", "task"), qsizetype(2)); // main and the hostile one
    QVERIFY(trace.contains("\\u003cimg src=x onerror=alert(1)\\u003e"));
}

QTEST_GUILESS_MAIN(TestGolden)
#include "test_golden.moc"
