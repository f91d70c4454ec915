// The Debian package, built as `packaging/dev.sh package` builds it (cpack, into a temporary
// directory): its control fields, its files, and the binary it ships, unpacked with dpkg-deb and
// run. CTest label "package": ~40 s, most of it xz compressing the unstripped binary.
#include "packagingsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace coroscope::test;

class TestDebPackage : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_deb;
    QString m_root; ///< The package unpacked.
    QString m_dpkgDeb;

    QString control(const QString& field) {
        const ToolRun run = runTool(m_dpkgDeb, {QStringLiteral("--field"), m_deb, field});
        return run.exitCode == 0 ? run.out.trimmed() : QString();
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        // What cpack needs for CPACK_DEBIAN_PACKAGE_SHLIBDEPS, and dpkg-deb to read the result.
        COROSCOPE_REQUIRE_TOOL(shlibdeps, "dpkg-shlibdeps", "dpkg-dev");
        COROSCOPE_REQUIRE_TOOL(file, "file", "file");
        COROSCOPE_REQUIRE_TOOL(dpkgDeb, "dpkg-deb", "dpkg");
        m_dpkgDeb = dpkgDeb;

        QElapsedTimer timer;
        timer.start();
        const QString out = m_dir.filePath(QStringLiteral("out"));
        const ToolRun cpack =
            runTool(QStringLiteral(CMAKE_CPACK_COMMAND),
                    {QStringLiteral("--config"), QStringLiteral(COROSCOPE_BUILD_DIR "/CPackConfig.cmake"),
                     QStringLiteral("-B"), out},
                    150'000);
        QVERIFY2(cpack.error.isEmpty() && cpack.exitCode == 0,
                 qPrintable(describe(QStringLiteral("cpack"), cpack)));
        qInfo("cpack took %.1f s", double(timer.elapsed()) / 1000);
        const QStringList debs = QDir(out).entryList({QStringLiteral("*.deb")});
        QCOMPARE(debs.size(), 1);
        m_deb = QDir(out).filePath(debs.front());
        qInfo("%s: %.1f MiB", qPrintable(debs.front()), double(QFileInfo(m_deb).size()) / (1 << 20));

        m_root = m_dir.filePath(QStringLiteral("root"));
        const ToolRun extract = runTool(m_dpkgDeb, {QStringLiteral("-x"), m_deb, m_root});
        QVERIFY2(extract.exitCode == 0, qPrintable(describe(m_dpkgDeb, extract)));
    }

    void fileName() {
        QVERIFY2(QRegularExpression(QStringLiteral("^coroscope_" COROSCOPE_VERSION "_[a-z0-9]+\\.deb$"))
                     .match(QFileInfo(m_deb).fileName())
                     .hasMatch(),
                 qPrintable(m_deb));
    }

    void controlFields() {
        QCOMPARE(control(QStringLiteral("Package")), QStringLiteral("coroscope"));
        QCOMPARE(control(QStringLiteral("Version")), QStringLiteral(COROSCOPE_VERSION));
        QCOMPARE(control(QStringLiteral("Section")), QStringLiteral("devel"));
        QCOMPARE(control(QStringLiteral("Homepage")), QStringLiteral(COROSCOPE_HOMEPAGE));
        QVERIFY2(control(QStringLiteral("Maintainer")).contains(u'@'), "a Maintainer with an address");
        const QString description = control(QStringLiteral("Description"));
        QCOMPARE(description.section(u'\n', 0, 0), QStringLiteral(COROSCOPE_DESCRIPTION));
        for (const QString& line : description.split(u'\n'))
            QVERIFY2(line.size() <= 80, qPrintable(line));
        QVERIFY2(description.count(u'\n') >= 3, "a long description under the synopsis");

        // dpkg-shlibdeps found the libraries, and the Qt release the private JS parser is tied to.
        const QString depends = control(QStringLiteral("Depends"));
        for (const char* package : {"libqt6core6", "libqt6widgets6", "libqt6qml6", "libqt6charts6",
                                    "libqcoro6core0", "libsqlite3-0", "libc6", "libstdc++6"})
            QVERIFY2(depends.contains(QLatin1String(package) + u' '),
                     qPrintable(QLatin1String(package) + QStringLiteral(" in ") + depends));
        QVERIFY2(depends.contains(QStringLiteral("qt6-declarative-abi (= " COROSCOPE_QML_VERSION ")")),
                 qPrintable(depends));
    }

    // Debian's triggers refresh the MIME, desktop, icon and man caches. The one thing the package
    // runs itself is ldconfig, after installing and removing the SDK's public libcoroscope.so
    // (CPack adds those two scripts for any library in /usr/lib): nothing else.
    void maintainerScriptsOnlyRunLdconfig() {
        const ToolRun info = runTool(m_dpkgDeb, {QStringLiteral("--info"), m_deb});
        QCOMPARE(info.exitCode, 0);
        for (const char* script : {"preinst", "prerm"})
            QVERIFY2(!info.out.contains(QLatin1String(script)), qPrintable(info.out));
        for (const char* script : {"postinst", "postrm"}) {
            const ToolRun text = runTool(m_dpkgDeb, {QStringLiteral("--info"), m_deb, QLatin1String(script)});
            QCOMPARE(text.exitCode, 0);
            QStringList commands;
            for (const QString& line : text.out.split(u'\n')) {
                const QString command = line.trimmed();
                if (!command.isEmpty() && !command.startsWith(u'#') && command != QStringLiteral("set -e") &&
                    !command.startsWith(QStringLiteral("if ")) && command != QStringLiteral("fi"))
                    commands.append(command);
            }
            QCOMPARE(commands, QStringList{QStringLiteral("ldconfig")});
        }
    }

    void holdsTheInstalledFiles() {
        QSet<QString> expected;
        for (const QString& file : expectedInstalledFiles())
            expected.insert(QStringLiteral("usr/") + file);
        const QSet<QString> files = filesUnder(m_root);
        QVERIFY2(files == expected, qPrintable(setDifference(expected, files)));
    }

    // The watchdog symbolizes slow callbacks' stacks from the binary's DWARF: it must not be stripped.
    void binaryKeepsDebugInfo() {
        COROSCOPE_REQUIRE_TOOL(file, "file", "file");
        const ToolRun run = runTool(file, {m_root + QStringLiteral("/usr/bin/coroscope")});
        QVERIFY2(run.out.contains(QStringLiteral("with debug_info, not stripped")), qPrintable(run.out));
    }

    void unpackedBinaryRuns() {
        const QString coroscope = m_root + QStringLiteral("/usr/bin/coroscope");
        const ToolRun version = runTool(coroscope, {QStringLiteral("--version")});
        QCOMPARE(version.exitCode, 0);
        QCOMPARE(version.out.trimmed(), QStringLiteral("coroscope " COROSCOPE_VERSION));

        // A headless example, start to end, with a session and a report.
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("data-home")));
        const QString session = m_dir.filePath(QStringLiteral("fanout.coroscope"));
        const QString report = m_dir.filePath(QStringLiteral("fanout.json"));
        const ToolRun run = runTool(
            coroscope,
            {QStringLiteral("run"), QStringLiteral("example:gather-fanout"), QStringLiteral("--duration"),
             QStringLiteral("20s"), QStringLiteral("--session"), session, QStringLiteral("--report"), report},
            60'000, environment);
        QVERIFY2(run.exitCode == 0, qPrintable(describe(coroscope, run)));
        QVERIFY2(run.err.contains(QStringLiteral("example:gather-fanout: completed after")),
                 qPrintable(run.err));
        QFile file(report);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
        QCOMPARE(json.value(QStringLiteral("schema")).toString(), QStringLiteral("coroscope-report/1"));
        QVERIFY(QFileInfo(session).size() > 0);

        // And the installed examples run as files, not only as built-in resources.
        const ToolRun script = runTool(
            coroscope,
            {QStringLiteral("run"), m_root + QStringLiteral("/usr/share/coroscope/examples/blocking-call.js"),
             QStringLiteral("--session"), m_dir.filePath(QStringLiteral("blocking.coroscope"))},
            60'000, environment);
        QVERIFY2(script.exitCode == 0, qPrintable(describe(coroscope, script)));
        QVERIFY2(script.err.contains(QStringLiteral("Slow callbacks:")), qPrintable(script.err));
    }
};

QTEST_GUILESS_MAIN(TestDebPackage)
#include "test_debpackage.moc"
