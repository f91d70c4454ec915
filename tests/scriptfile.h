#pragma once

#include <QFile>
#include <QTemporaryDir>

namespace coroscope::test {

/// Writes a test's input file `name` (a workload script) into `dir` and returns its path; a test
/// that cannot write its own input stops there.
inline QString writeScriptFile(const QTemporaryDir& dir, const QString& name, const QString& source) {
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
    file.write(source.toUtf8());
    return path;
}

} // namespace coroscope::test
