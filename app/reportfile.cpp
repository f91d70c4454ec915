#include "reportfile.h"

#include <QFile>
#include <QSaveFile>

namespace coroscope::app {

std::optional<QString> checkWritable(const QString& path) {
    QFile file(path);
    const bool existed = file.exists();
    if (!file.open(QIODevice::Append))
        return QStringLiteral("cannot write the report %1: %2").arg(path, file.errorString());
    file.close();
    if (!existed)
        file.remove();
    return std::nullopt;
}

std::optional<QString> writeReportFile(const QString& path, ReportFormat format,
                                       const session::SessionData& data, const ReportOptions& options) {
    const QByteArray bytes = renderReport(format, data, options);
    // QSaveFile: a report is either complete or not there (a full disk leaves no half a file).
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return QStringLiteral("cannot write the report %1: %2").arg(path, file.errorString());
    return std::nullopt;
}

} // namespace coroscope::app
