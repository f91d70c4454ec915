#pragma once

namespace coroscope::ui {

/// Names the organization behind the app (QCoreApplication's organization name "Coroscope" and
/// domain "coroscope.github.io", from the app id io.github.coroscope.Coroscope), so that QSettings
/// keep the window's state in $XDG_CONFIG_HOME/Coroscope/APP.conf rather than under "Unknown
/// Organization". What an earlier Coroscope left there is carried over once, into empty settings.
/// Call after QCoreApplication::setApplicationName().
void setApplicationIdentity();

} // namespace coroscope::ui
