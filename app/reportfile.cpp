#include "reportfile.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace coroscope::app {

std::optional<QString> checkWritable(const QString& path, const QString& what) {
    // A device or a fifo is not opened to check it: opening a fifo blocks until a reader comes,
    // and closing it again would hand that reader an end of file.
    const QFileInfo target(path);
    if (target.exists() && !target.isFile()) {
        if (!target.isWritable())
            return QStringLiteral("cannot write the %1 %2: permission denied").arg(what, path);
        return std::nullopt;
    }
    QFile file(path);
    const bool existed = file.exists();
    if (!file.open(QIODevice::Append))
        return QStringLiteral("cannot write the %1 %2: %3").arg(what, path, file.errorString());
    file.close();
    if (!existed)
        file.remove();
    return std::nullopt;
}

std::optional<QString> checkReportPaths(const QStringList& paths) {
    for (const QString& path : paths) {
        if (!reportFormatForPath(path))
            return QStringLiteral("--report %1: unknown format (use %2)").arg(path, reportExtensions());
        if (auto error = checkWritable(path))
            return error;
    }
    return std::nullopt;
}

std::optional<QString> writeReportFile(const QString& path, ReportFormat format,
                                       const session::SessionData& data, const ReportOptions& options) {
    // A device or a pipe (/dev/stdout, a fifo): written in place. QSaveFile would replace it by a
    // regular file (as root, even /dev/full).
    const QFileInfo target(path);
    if (target.exists() && !target.isFile()) {
        QFile device(path);
        if (!device.open(QIODevice::WriteOnly))
            return QStringLiteral("cannot write the report %1: %2").arg(path, device.errorString());
        if (const auto error = writeReport(format, data, device, options))
            return QStringLiteral("cannot write the report %1: %2").arg(path, *error);
        if (!device.flush())
            return QStringLiteral("cannot write the report %1: %2").arg(path, device.errorString());
        return std::nullopt;
    }
    // QSaveFile: a report is either complete or not there (a full disk leaves no half a file).
    // Written as it is rendered: a Chrome trace of a long session is far larger than the session.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QStringLiteral("cannot write the report %1: %2").arg(path, file.errorString());
    if (const auto error = writeReport(format, data, file, options)) {
        file.cancelWriting();
        return QStringLiteral("cannot write the report %1: %2").arg(path, *error);
    }
    if (!file.commit())
        return QStringLiteral("cannot write the report %1: %2").arg(path, file.errorString());
    return std::nullopt;
}

} // namespace coroscope::app
