#pragma once
// Shared by test_packaging (the installed tree) and test_debpackage (the .deb): what an
// installation holds, and running the tools that check it.

#include <QDir>
#include <QProcess>
#include <QProcessEnvironment>
#include <QSet>
#include <QStandardPaths>
#include <QString>
#include <QStringList>
#include <QTest>

namespace coroscope::test {

inline const QString kAppId = QStringLiteral(COROSCOPE_APP_ID);
inline const QString kSessionMimeType = QStringLiteral("application/x-coroscope-session");

/// Every regular file under `root`, relative to it.
inline QSet<QString> filesUnder(const QString& root) {
    QSet<QString> files;
    const QDir dir(root);
    QStringList pending = {root};
    while (!pending.isEmpty()) {
        const QDir current(pending.takeLast());
        for (const QFileInfo& entry :
             current.entryInfoList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden)) {
            if (entry.isDir() && !entry.isSymLink())
                pending.append(entry.filePath());
            else
                files.insert(dir.relativeFilePath(entry.filePath()));
        }
    }
    return files;
}

/// Every file `cmake --install` must put under the prefix, relative to it, and nothing else
/// (packaging/CMakeLists.txt). Docs (with their images) and examples are listed from the
/// sources: a page or an example added there must be installed too.
inline QSet<QString> expectedInstalledFiles() {
    QSet<QString> files = {
        QStringLiteral("bin/coroscope"),
        QStringLiteral("lib/coroscope/probe/libcoroscope-probe.so"),
        QStringLiteral("share/applications/") + kAppId + QStringLiteral(".desktop"),
        QStringLiteral("share/metainfo/") + kAppId + QStringLiteral(".metainfo.xml"),
        QStringLiteral("share/mime/packages/") + kAppId + QStringLiteral(".xml"),
        QStringLiteral("share/icons/hicolor/scalable/apps/") + kAppId + QStringLiteral(".svg"),
        QStringLiteral("share/man/man1/coroscope.1.gz"),
        QStringLiteral("share/doc/coroscope/README.md"),
    };
    // The SDK (core/include/CMakeLists.txt): the library, its headers, its CMake package.
    const QString lib = QStringLiteral(COROSCOPE_INSTALL_LIBDIR "/");
    files.insert(lib + QStringLiteral("libcoroscope.so"));
    files.insert(lib + QStringLiteral("libcoroscope.so." COROSCOPE_VERSION));
    for (const char* cmake :
         {"CoroscopeConfig.cmake", "CoroscopeConfigVersion.cmake", "CoroscopeTargets.cmake"})
        files.insert(lib + QStringLiteral("cmake/Coroscope/") + QLatin1String(cmake));
    files.insert(lib + QStringLiteral("cmake/Coroscope/CoroscopeTargets-" COROSCOPE_EXPORT_CONFIG ".cmake"));
    for (const QString& header : QStringLiteral(COROSCOPE_SDK_HEADERS).split(u','))
        files.insert(QStringLiteral(COROSCOPE_INSTALL_INCLUDEDIR "/coroscope/") + header);
    for (const int size : {16, 24, 32, 48, 64, 128, 256})
        files.insert(QStringLiteral("share/icons/hicolor/%1x%1/apps/").arg(size) + kAppId +
                     QStringLiteral(".png"));
    const QDir source(QStringLiteral(COROSCOPE_SOURCE_DIR));
    for (const QString& doc : filesUnder(source.filePath(QStringLiteral("docs"))))
        if (doc.endsWith(QLatin1String(".md")) || doc.endsWith(QLatin1String(".png")))
            files.insert(QStringLiteral("share/doc/coroscope/docs/") + doc);
    const QDir workloads(source.filePath(QStringLiteral("resources/workloads")));
    for (const QString& script : workloads.entryList({QStringLiteral("*.js")}))
        files.insert(QStringLiteral("share/coroscope/examples/") + script);
    return files;
}

/// "missing: a, b; unexpected: c" — for a failure message comparing two sets of files.
inline QString setDifference(const QSet<QString>& expected, const QSet<QString>& actual) {
    QStringList missing = QSet<QString>(expected).subtract(actual).values();
    QStringList extra = QSet<QString>(actual).subtract(expected).values();
    missing.sort();
    extra.sort();
    return QStringLiteral("missing: ") + missing.join(QStringLiteral(", ")) +
           QStringLiteral("; unexpected: ") + extra.join(QStringLiteral(", "));
}

struct ToolRun {
    int exitCode = -1;
    QString out;
    QString err;
    QString error; ///< Why the program did not run to its end (empty if it did).
};

/// Runs `program` and waits for it. A program that cannot start or does not finish is reported in
/// `error`, not in the exit code.
inline ToolRun runTool(const QString& program, const QStringList& arguments, int timeoutMs = 60'000,
                       const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment()) {
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(program, arguments);
    ToolRun run;
    if (!process.waitForStarted()) {
        run.error = QStringLiteral("%1 did not start: %2").arg(program, process.errorString());
        return run;
    }
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.error = QStringLiteral("%1 %2 did not finish in %3 s")
                        .arg(program, arguments.join(u' '))
                        .arg(timeoutMs / 1000);
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

/// "PROGRAM: exit N\nstdout\nstderr", for failure messages.
inline QString describe(const QString& program, const ToolRun& run) {
    return QStringLiteral("%1: %2\n%3%4")
        .arg(program, run.error.isEmpty() ? QStringLiteral("exit %1").arg(run.exitCode) : run.error, run.out,
             run.err);
}

/// `cmake --install` of this build tree into `prefix`: what test_packaging checks and test_sdk
/// builds against.
inline ToolRun installBuildInto(const QString& prefix) {
    return runTool(QStringLiteral(CMAKE_COMMAND),
                   {QStringLiteral("--install"), QStringLiteral(COROSCOPE_BUILD_DIR),
                    QStringLiteral("--prefix"), prefix},
                   120'000);
}

} // namespace coroscope::test

/// Declares `var` as the path of `program`, or fails the test naming the Debian package to install:
/// a check never passes for want of its tool (packaging/dev.sh installs them all).
#define COROSCOPE_REQUIRE_TOOL(var, program, debianPackage)                                                  \
    const QString var = QStandardPaths::findExecutable(QStringLiteral(program));                             \
    QVERIFY2(!var.isEmpty(), program " not found: install the Debian package " debianPackage                 \
                                     " (packaging/dev.sh installs it)")
