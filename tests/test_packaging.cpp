// Desktop integration, as installed: `cmake --install` into a temporary prefix, then every file it
// must hold, the .desktop file and the AppStream metainfo through their validators, the session
// MIME type through shared-mime-info and QMimeDatabase, the icon's sizes, and the man page against
// the binary's own --help. The .deb is test_debpackage's.
#include "packagingsupport.h"

#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QMimeDatabase>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using namespace coroscope::test;

namespace {

/// The [Desktop Entry] group of a .desktop file, key by key (no localized keys are used).
QHash<QString, QString> desktopEntry(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    QHash<QString, QString> entry;
    bool inGroup = false;
    for (const QString& raw : QString::fromUtf8(file.readAll()).split(u'\n')) {
        const QString line = raw.trimmed();
        if (line.startsWith(u'['))
            inGroup = line == QLatin1String("[Desktop Entry]");
        else if (inGroup && !line.isEmpty() && !line.startsWith(u'#') && line.contains(u'='))
            entry.insert(line.section(u'=', 0, 0).trimmed(), line.section(u'=', 1).trimmed());
    }
    return entry;
}

/// The options an option list of `--help` documents: "--duration", "-o", "--output"...
QSet<QString> documentedOptions(const QString& help) {
    QSet<QString> options;
    static const QRegularExpression optionLine(QStringLiteral("^\\s+(-[-a-z].*?)(\\s{2,}|$)"));
    static const QRegularExpression option(QStringLiteral("(--?[a-z][-a-z]*)"));
    for (const QString& line : help.split(u'\n')) {
        const QRegularExpressionMatch m = optionLine.match(line);
        if (!m.hasMatch())
            continue;
        auto it = option.globalMatch(m.captured(1));
        while (it.hasNext())
            options.insert(it.next().captured(1));
    }
    return options;
}

QByteArray readFile(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeFile(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

} // namespace

class TestPackaging : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_prefix;
    QSet<QString> m_installed; ///< Right after `cmake --install`, before any cache was built in it.
    QString m_session;         ///< A session recorded by `coroscope run`.

    QString installed(const QString& relative) const { return m_prefix + u'/' + relative; }
    QString desktopFile() const {
        return installed(QStringLiteral("share/applications/") + kAppId + QStringLiteral(".desktop"));
    }
    QString metainfoFile() const {
        return installed(QStringLiteral("share/metainfo/") + kAppId + QStringLiteral(".metainfo.xml"));
    }

    /// `coroscope COMMAND --help` from the build.
    QString help(const QString& command) {
        QStringList arguments = {QStringLiteral("--help")};
        if (!command.isEmpty())
            arguments.prepend(command);
        const ToolRun run = runTool(QStringLiteral(COROSCOPE_BINARY), arguments);
        if (run.exitCode != 0)
            qWarning("%s", qPrintable(describe(QStringLiteral("coroscope ") + arguments.join(u' '), run)));
        return run.exitCode == 0 ? run.out : QString();
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_prefix = m_dir.filePath(QStringLiteral("prefix"));
        const ToolRun install = installBuildInto(m_prefix);
        QVERIFY2(install.error.isEmpty() && install.exitCode == 0,
                 qPrintable(describe(QStringLiteral("cmake"), install)));
        m_installed = filesUnder(m_prefix);

        // The MIME database as on an installed system, where shared-mime-info's dpkg trigger
        // compiles every package's XML, ours and freedesktop.org.xml, into one mime.cache (whose
        // magic is sorted by priority; Qt 6.4 does not weigh matches across separate databases).
        // Set before QMimeDatabase is first used: it reads the directories once.
        const QString share = m_dir.filePath(QStringLiteral("share"));
        const QString packages = share + QStringLiteral("/mime/packages/");
        QVERIFY(QDir().mkpath(packages));
        QVERIFY2(
            QFile::copy(QStringLiteral("/usr/share/mime/packages/freedesktop.org.xml"),
                        packages + QStringLiteral("freedesktop.org.xml")),
            "no /usr/share/mime/packages/freedesktop.org.xml: install the Debian package shared-mime-info");
        QVERIFY(
            QFile::copy(installed(QStringLiteral("share/mime/packages/") + kAppId + QStringLiteral(".xml")),
                        packages + kAppId + QStringLiteral(".xml")));
        const QString dataHome = m_dir.filePath(QStringLiteral("data-home"));
        QVERIFY(QDir().mkpath(dataHome));
        qputenv("XDG_DATA_HOME", QFile::encodeName(dataHome));
        qputenv("XDG_DATA_DIRS", QFile::encodeName(share));
        COROSCOPE_REQUIRE_TOOL(updateMimeDatabase, "update-mime-database", "shared-mime-info");
        const ToolRun mime = runTool(updateMimeDatabase, {share + QStringLiteral("/mime")});
        QVERIFY2(mime.error.isEmpty() && mime.exitCode == 0 && mime.err.isEmpty(),
                 qPrintable(describe(updateMimeDatabase, mime)));

        m_session = m_dir.filePath(QStringLiteral("run.coroscope"));
        const ToolRun run = runTool(QStringLiteral(COROSCOPE_BINARY),
                                    {QStringLiteral("run"), QStringLiteral("example:blocking-call"),
                                     QStringLiteral("--session"), m_session});
        QVERIFY2(run.exitCode == 0, qPrintable(describe(QStringLiteral("coroscope run"), run)));
    }

    void installsEveryFileAndNothingElse() {
        const QSet<QString> expected = expectedInstalledFiles();
        QVERIFY2(m_installed == expected, qPrintable(setDifference(expected, m_installed)));
        QVERIFY(QFileInfo(installed(QStringLiteral("bin/coroscope"))).isExecutable());
    }

    // The hicolor theme looks an icon up by the directory's size: each PNG must have it.
    // The installed coroscope finds the installed probe (lib/coroscope/probe/, relative to bin/) and
    // profiles an unmodified Qt program with it.
    void installedLaunchFindsItsProbe() {
        const QString session = m_dir.filePath(QStringLiteral("launched.coroscope"));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("COROSCOPE_PROBE_LIBRARY"));
        QProcess launch;
        launch.setProcessEnvironment(env);
        launch.start(installed(QStringLiteral("bin/coroscope")),
                     {QStringLiteral("launch"), QStringLiteral("--session"), session, QStringLiteral("--"),
                      QStringLiteral(COROSCOPE_FIXTURE_DIR "/launch_exitcode"), QStringLiteral("0")});
        QVERIFY(launch.waitForFinished(60'000));
        QVERIFY2(launch.exitCode() == 0, launch.readAllStandardError().constData());
        QVERIFY(QFileInfo(session).size() > 0);
    }

    void iconsHaveTheirSizes() {
        for (const int size : {16, 24, 32, 48, 64, 128, 256}) {
            const QString path = installed(QStringLiteral("share/icons/hicolor/%1x%1/apps/").arg(size) +
                                           kAppId + QStringLiteral(".png"));
            QImageReader reader(path);
            QCOMPARE(reader.format(), QByteArray("png"));
            QCOMPARE(reader.size(), QSize(size, size));
            const QImage image = reader.read();
            QVERIFY2(!image.isNull(), qPrintable(path));
            QVERIFY(image.hasAlphaChannel());
            // Transparent corners (the rounded screen), opaque centre: a real rendering, not an
            // empty canvas.
            QCOMPARE(qAlpha(image.pixel(0, 0)), 0);
            QCOMPARE(qAlpha(image.pixel(size / 2, size / 2)), 255);
        }
        const QByteArray svg = readFile(installed(QStringLiteral("share/icons/hicolor/scalable/apps/") +
                                                  kAppId + QStringLiteral(".svg")));
        QVERIFY(svg.contains("<svg"));
        QVERIFY(svg.contains("viewBox=\"0 0 128 128\""));
    }

    void desktopFileValidates() {
        COROSCOPE_REQUIRE_TOOL(validator, "desktop-file-validate", "desktop-file-utils");
        const ToolRun run = runTool(validator, {desktopFile()});
        // Errors fail it; warnings and hints only print: none is accepted.
        QVERIFY2(run.exitCode == 0 && run.out.trimmed().isEmpty() && run.err.trimmed().isEmpty(),
                 qPrintable(describe(validator, run)));
    }

    // The launcher offers Coroscope for exactly what `coroscope FILE` opens in its window: sessions
    // and .js scripts (app/guicommand.cpp, opensInGui).
    void desktopFileClaimsWhatCoroscopeOpens() {
        const QHash<QString, QString> entry = desktopEntry(desktopFile());
        QCOMPARE(entry.value(QStringLiteral("Type")), QStringLiteral("Application"));
        QCOMPARE(entry.value(QStringLiteral("Exec")), QStringLiteral("coroscope %f")); // one file at most
        QCOMPARE(entry.value(QStringLiteral("TryExec")), QStringLiteral("coroscope"));
        QCOMPARE(entry.value(QStringLiteral("Icon")), kAppId);
        QCOMPARE(entry.value(QStringLiteral("Terminal")), QStringLiteral("false"));
        QVERIFY(
            entry.value(QStringLiteral("Categories")).split(u';').contains(QStringLiteral("Development")));

        const QMimeDatabase db;
        QStringList claimed = entry.value(QStringLiteral("MimeType")).split(u';', Qt::SkipEmptyParts);
        QStringList opened = {
            kSessionMimeType,
            db.mimeTypeForFile(QStringLiteral("workload.js"), QMimeDatabase::MatchExtension).name()};
        claimed.sort();
        opened.sort();
        QCOMPARE(claimed, opened);
    }

    void metainfoValidates() {
        COROSCOPE_REQUIRE_TOOL(appstreamcli, "appstreamcli", "appstream");
        // validate-tree also checks that the metainfo's launchable .desktop file is installed.
        for (const QStringList& arguments :
             {QStringList{QStringLiteral("validate"), QStringLiteral("--no-net"),
                          QStringLiteral("--pedantic"), metainfoFile()},
              QStringList{QStringLiteral("validate-tree"), QStringLiteral("--no-net"),
                          QStringLiteral("--pedantic"), m_prefix}}) {
            const ToolRun run = runTool(appstreamcli, arguments);
            QVERIFY2(run.error.isEmpty() && run.exitCode == 0, qPrintable(describe(appstreamcli, run)));
            static const QRegularExpression issue(QStringLiteral("^\\s*([EWIP]): \\S+:\\S*: (\\S+)"),
                                                  QRegularExpression::MultilineOption);
            auto it = issue.globalMatch(run.out + run.err);
            while (it.hasNext()) {
                const QRegularExpressionMatch m = it.next();
                // The one pedantic hint accepted: AppStream suggests lower-case ids, but the id is
                // the reverse-DNS name the .desktop file, the icon and Wayland's app_id share.
                QVERIFY2(m.captured(1) == QLatin1String("P") &&
                             m.captured(2) == QLatin1String("cid-contains-uppercase-letter"),
                         qPrintable(describe(appstreamcli, run)));
            }
        }
    }

    // One id everywhere, and the project's own homepage and version (CMakeLists.txt's project()).
    void metainfoMatchesTheProject() {
        QFile file(metainfoFile());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&file);
        QString id, launchable, homepage, binary, mediatype, firstRelease;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement)
                continue;
            const auto name = xml.name();
            if (name == QLatin1String("release") && firstRelease.isEmpty()) {
                firstRelease = xml.attributes().value(QStringLiteral("version")).toString();
            } else if (name == QLatin1String("url") &&
                       xml.attributes().value(QStringLiteral("type")) == QLatin1String("homepage")) {
                homepage = xml.readElementText();
            } else if (name == QLatin1String("launchable")) {
                launchable = xml.readElementText();
            } else if (name == QLatin1String("id")) {
                id = xml.readElementText();
            } else if (name == QLatin1String("binary")) {
                binary = xml.readElementText();
            } else if (name == QLatin1String("mediatype")) {
                mediatype = xml.readElementText();
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QCOMPARE(id, kAppId);
        QCOMPARE(launchable, kAppId + QStringLiteral(".desktop"));
        QCOMPARE(binary, QStringLiteral("coroscope"));
        QCOMPARE(mediatype, kSessionMimeType);
        QCOMPARE(homepage, QStringLiteral(COROSCOPE_HOMEPAGE));
        QCOMPARE(firstRelease, QStringLiteral(COROSCOPE_VERSION)); // the newest release comes first
    }

    // A session is known by its name, and by its content alone: the SQLite header with the
    // application_id "CRSC" at byte 68. Any other SQLite file stays application/vnd.sqlite3.
    void sessionMimeType() {
        const QMimeDatabase db;
        const QMimeType byName = db.mimeTypeForFile(m_session);
        QCOMPARE(byName.name(), kSessionMimeType);
        QCOMPARE(byName.comment(), QStringLiteral("Coroscope session"));
        QVERIFY(byName.inherits(QStringLiteral("application/vnd.sqlite3")));
        QCOMPARE(byName.iconName(), kAppId);

        const QByteArray session = readFile(m_session);
        QVERIFY(session.startsWith(QByteArrayLiteral("SQLite format 3\0")));
        QCOMPARE(session.mid(68, 4), QByteArray("CRSC"));
        const QString unnamed = m_dir.filePath(QStringLiteral("unnamed.data"));
        QVERIFY(writeFile(unnamed, session));
        QCOMPARE(db.mimeTypeForFile(unnamed, QMimeDatabase::MatchContent).name(), kSessionMimeType);
        QCOMPARE(db.mimeTypeForFile(unnamed).name(), kSessionMimeType);

        QByteArray foreign = session;
        foreign.replace(68, 4, QByteArray(4, '\0'));
        const QString plain = m_dir.filePath(QStringLiteral("plain.data"));
        QVERIFY(writeFile(plain, foreign));
        QCOMPARE(db.mimeTypeForFile(plain, QMimeDatabase::MatchContent).name(),
                 QStringLiteral("application/vnd.sqlite3"));
    }

    void manPageRenders() {
        COROSCOPE_REQUIRE_TOOL(groff, "groff", "groff-base");
        const QString source = QStringLiteral(COROSCOPE_SOURCE_DIR "/packaging/linux/coroscope.1");
        // -ww: every warning; -z: no output, only the warnings.
        const ToolRun lint = runTool(groff, {QStringLiteral("-man"), QStringLiteral("-ww"),
                                             QStringLiteral("-z"), QStringLiteral("-Tutf8"), source});
        QVERIFY2(lint.exitCode == 0 && lint.err.isEmpty(), qPrintable(describe(groff, lint)));
        QVERIFY2(readFile(source).contains("\"Coroscope " COROSCOPE_VERSION "\""),
                 "the man page's .TH line names another version than CMakeLists.txt's project()");

        // The installed page, compressed, as `man` reads it.
        COROSCOPE_REQUIRE_TOOL(man, "man", "man-db");
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("MANWIDTH"), QStringLiteral("100"));
        environment.insert(QStringLiteral("MAN_KEEP_FORMATTING"), QString());
        const ToolRun page =
            runTool(man, {QStringLiteral("-l"), installed(QStringLiteral("share/man/man1/coroscope.1.gz"))},
                    60'000, environment);
        QVERIFY2(page.exitCode == 0, qPrintable(describe(man, page)));
        for (const char* section : {"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "EXIT STATUS", "FILES"})
            QVERIFY2(page.out.contains(QLatin1String("\n") + QLatin1String(section) + QLatin1String("\n")),
                     section);
        QVERIFY(page.out.contains(QStringLiteral("coroscope - profiler and debugger")));
    }

    // Every command `coroscope --help` lists has a section, and every option a command's --help
    // prints is in the man page: a new option without its documentation fails here.
    void manPageDocumentsEveryOption() {
        const QString page =
            QString::fromUtf8(readFile(QStringLiteral(COROSCOPE_SOURCE_DIR "/packaging/linux/coroscope.1")))
                .replace(QStringLiteral("\\-"), QStringLiteral("-"));
        QVERIFY(!page.isEmpty());

        const QString usage = help(QString());
        QVERIFY(usage.contains(QStringLiteral("Commands:")));
        QStringList commands;
        static const QRegularExpression commandLine(QStringLiteral("^  ([a-z]+) "),
                                                    QRegularExpression::MultilineOption);
        auto it = commandLine.globalMatch(
            usage.section(QStringLiteral("Commands:"), 1).section(QStringLiteral("Options:"), 0, 0));
        while (it.hasNext())
            commands.append(it.next().captured(1));
        QCOMPARE(commands,
                 QStringList({QStringLiteral("run"), QStringLiteral("launch"), QStringLiteral("report"),
                              QStringLiteral("diff"), QStringLiteral("demo"), QStringLiteral("examples")}));
        const QString globalOptions =
            page.section(QStringLiteral("\n.SH OPTIONS\n"), 1).section(QStringLiteral("\n.SH"), 0, 0);
        for (const QString& option : documentedOptions(usage.section(QStringLiteral("Options:"), 1)))
            QVERIFY2(globalOptions.contains(option),
                     qPrintable(QStringLiteral("coroscope %1 is not in the man page's OPTIONS").arg(option)));

        for (const QString& command : commands) {
            QVERIFY2(page.contains(QStringLiteral(".SS \"coroscope ") + command + u' '),
                     qPrintable(QStringLiteral("no section for coroscope %1").arg(command)));
            const QString text = help(command);
            QVERIFY2(!text.isEmpty(), qPrintable(QStringLiteral("coroscope %1 --help failed").arg(command)));
            const QSet<QString> options = documentedOptions(text);
            QVERIFY2(options.contains(QStringLiteral("--help")), qPrintable(text));
            // The command's section: from its heading to the next one.
            const QString section = page.section(QStringLiteral(".SS \"coroscope ") + command + u' ', 1)
                                        .section(QStringLiteral("\n.S"), 0, 0);
            for (const QString& option : options) {
                QVERIFY2(section.contains(option),
                         qPrintable(
                             QStringLiteral("coroscope %1 %2 is not in the man page").arg(command, option)));
            }
        }
    }

    // README and docs/ keep their layout: a relative link that leads somewhere in the sources
    // (another page, README's docs/cli.md, a guide's ../README.md, a screenshot) leads to the same
    // file installed.
    void installedDocsKeepTheirLinks() {
        const QString docRoot = installed(QStringLiteral("share/doc/coroscope"));
        const QDir source(QStringLiteral(COROSCOPE_SOURCE_DIR));
        static const QRegularExpression link(QStringLiteral("\\]\\(([^)#\\s]+)(#[^)]*)?\\)"));
        int checked = 0;
        for (const QString& page : filesUnder(docRoot)) {
            if (!page.endsWith(QLatin1String(".md")))
                continue;
            auto it = link.globalMatch(QString::fromUtf8(readFile(docRoot + u'/' + page)));
            while (it.hasNext()) {
                const QString target = it.next().captured(1);
                if (target.contains(QLatin1String("://")) || target.startsWith(QLatin1String("mailto:")))
                    continue;
                if (!QFileInfo::exists(QFileInfo(source.filePath(page)).dir().filePath(target)))
                    continue; // broken in the sources as well: not the installation's doing
                QVERIFY2(QFileInfo::exists(QFileInfo(docRoot + u'/' + page).dir().filePath(target)),
                         qPrintable(QStringLiteral("%1: %2 leads nowhere once installed").arg(page, target)));
                ++checked;
            }
        }
        QVERIFY2(checked >= 10, qPrintable(QStringLiteral("only %1 links checked").arg(checked)));
    }

    // The installed examples are the ones built into the binary (`coroscope examples`).
    void examplesAreTheBuiltInOnes() {
        const ToolRun list = runTool(QStringLiteral(COROSCOPE_BINARY), {QStringLiteral("examples")});
        QCOMPARE(list.exitCode, 0);
        QStringList builtIn;
        static const QRegularExpression exampleLine(QStringLiteral("^  ([a-z0-9-]+)\\s"),
                                                    QRegularExpression::MultilineOption);
        auto it = exampleLine.globalMatch(list.out);
        while (it.hasNext())
            builtIn.append(it.next().captured(1) + QStringLiteral(".js"));
        QStringList files =
            QDir(installed(QStringLiteral("share/coroscope/examples"))).entryList(QDir::Files);
        builtIn.sort();
        files.sort();
        QVERIFY(!files.isEmpty());
        QCOMPARE(files, builtIn);
    }
};

QTEST_GUILESS_MAIN(TestPackaging)
#include "test_packaging.moc"
