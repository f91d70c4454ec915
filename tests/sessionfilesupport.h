#pragma once
// Running the coroscope binary on session files, for the tests of reading them.
#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace coroscope::test {

struct Result {
    int exitCode = -1;
    bool crashed = false;
    QString err;
    QString out;
};

/// `coroscope ARGS`, or `PREFIX... coroscope ARGS` (another user, through setpriv).
inline Result coroscopeCli(const QStringList& arguments, const QStringList& prefix = {}) {
    QProcess process;
    const QStringList all = prefix + QStringList{QStringLiteral(COROSCOPE_BINARY)} + arguments;
    process.start(all.front(), all.mid(1));
    if (!process.waitForFinished(60'000))
        process.kill();
    process.waitForFinished();
    return {process.exitCode(), process.exitStatus() != QProcess::NormalExit,
            QString::fromUtf8(process.readAllStandardError()),
            QString::fromUtf8(process.readAllStandardOutput())};
}

inline QByteArray contents(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace coroscope::test
