#include "sessionpath.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>

namespace coroscope::app {

std::optional<QString> defaultSessionPath(const QString& name, QString& error) {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                        QStringLiteral("/coroscope/sessions");
    if (!QDir().mkpath(dir)) {
        error = QStringLiteral("cannot create the session directory %1 (use --session FILE)").arg(dir);
        return std::nullopt;
    }
    QString base = QFileInfo(name.section(u':', -1)).completeBaseName();
    base.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_.-]")), QStringLiteral("_"));
    base += QDateTime::currentDateTime().toString(QStringLiteral("-yyyyMMdd-HHmmss"));
    QString path = dir + u'/' + base + QStringLiteral(".coroscope");
    for (int n = 2; QFileInfo::exists(path); ++n)
        path = dir + u'/' + base + u'-' + QString::number(n) + QStringLiteral(".coroscope");
    return path;
}

QCommandLineOption sessionOption() {
    return QCommandLineOption(
        QStringLiteral("session"),
        QStringLiteral(
            "Record the session into FILE (default: a new file in $XDG_DATA_HOME/coroscope/sessions)."),
        QStringLiteral("FILE"));
}

} // namespace coroscope::app
