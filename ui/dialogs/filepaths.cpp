#include "dialogs/filepaths.h"

#include <QDate>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>

namespace coroscope::ui {
namespace {

const QString kExportDirKey = QStringLiteral("export/lastDirectory");

} // namespace

QString sessionsDirectory() {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                        QStringLiteral("/coroscope/sessions");
    QDir().mkpath(dir);
    return dir;
}

QString filterExtension(const QString& filter) {
    // "Chrome trace (*.trace.json)": the first "*.ext" inside the parentheses.
    static const QRegularExpression pattern(QStringLiteral("\\(\\*(\\.[^\\s)*]+)"));
    const QRegularExpressionMatch m = pattern.match(filter);
    return m.hasMatch() ? m.captured(1) : QString();
}

QString withFilterExtension(const QString& path, const QString& chosenFilter, const QStringList& filters) {
    if (path.isEmpty())
        return path;
    for (const QString& filter : filters) {
        const QString extension = filterExtension(filter);
        if (!extension.isEmpty() && path.endsWith(extension, Qt::CaseInsensitive))
            return path;
    }
    return path + filterExtension(chosenFilter);
}

QString lastExportDirectory(const QString& fallback) {
    const QString dir = QSettings().value(kExportDirKey).toString();
    return !dir.isEmpty() && QFileInfo(dir).isDir() ? dir : fallback;
}

void rememberExportDirectory(const QString& file) {
    QSettings().setValue(kExportDirKey, QFileInfo(file).absolutePath());
}

QString datedBaseName(const QString& script) {
    const QString example = QStringLiteral("example:");
    QString base =
        script.startsWith(example) ? script.mid(example.size()) : QFileInfo(script).completeBaseName();
    if (base.isEmpty())
        base = QStringLiteral("session");
    return base + u'-' + QDate::currentDate().toString(Qt::ISODate);
}

} // namespace coroscope::ui
