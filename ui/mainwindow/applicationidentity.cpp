#include "mainwindow/applicationidentity.h"

#include <QCoreApplication>
#include <QSettings>
#include <QStringList>

#include <algorithm>

namespace coroscope::ui {
namespace {

/// "io.github.coroscope.Coroscope" -> "coroscope.github.io": the app id is the domain reversed,
/// plus the app's name.
QString domainOf(const QString& appId) {
    QStringList parts = appId.split(u'.');
    parts.removeLast();
    std::reverse(parts.begin(), parts.end());
    return parts.join(u'.');
}

/// Copies every key the settings had under Qt's stand-in organization into `settings`, if it has
/// none of its own yet (a first launch after the rename). The old file stays as it was: an older
/// Coroscope started again still finds its own.
void carryOver(QSettings& settings) {
    if (!settings.allKeys().isEmpty())
        return;
    const QSettings old(QSettings::NativeFormat, QSettings::UserScope, QStringLiteral("Unknown Organization"),
                        QCoreApplication::applicationName());
    for (const QString& key : old.allKeys())
        settings.setValue(key, old.value(key));
}

} // namespace

void setApplicationIdentity() {
    QCoreApplication::setOrganizationName(QStringLiteral("Coroscope"));
    QCoreApplication::setOrganizationDomain(domainOf(QStringLiteral(COROSCOPE_APP_ID)));
    QSettings settings;
    carryOver(settings);
}

} // namespace coroscope::ui
