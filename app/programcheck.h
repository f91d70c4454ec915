#pragma once

#include <QString>
#include <QStringList>

#include <algorithm>
#include <optional>

namespace coroscope::app {

/// What `coroscope launch` can tell of PROGRAM before starting it, from its file alone.
struct ProgramFile {
    QString path;        ///< absolute, found on PATH when named without a slash
    bool script = false; ///< starts with #!: checked when it runs, not here
    QStringList needed;  ///< its ELF DT_NEEDED entries (a script: none)

    /// It links the SDK's libcoroscope.so: it has tasks, so heap is worth charging to them.
    bool linksSdk() const {
        return std::any_of(needed.begin(), needed.end(), [](const QString& name) {
            return name.startsWith(QLatin1String("libcoroscope.so"));
        });
    }
};

/// Finds and checks PROGRAM: it must exist, be executable, and be a dynamically linked ELF
/// program that is not setuid/setgid (the dynamic loader ignores LD_PRELOAD for those) and
/// that links libQt6Core. A script (#!) passes: whether it starts a Qt program is seen at run
/// time. The error names the file and the cause.
std::optional<ProgramFile> checkProgram(const QString& program, QString& error);

} // namespace coroscope::app
