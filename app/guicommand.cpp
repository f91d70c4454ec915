#include "guicommand.h"

#include "examplescommand.h"
#include "mainwindow/applicationidentity.h"
#include "mainwindow/mainwindow.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QIcon>

#include <cstdio>
#include <cstring>

namespace coroscope::app {
namespace {

/// The app icon, from the PNGs compiled in (resources/icons renders them from the SVG): the
/// window has it even when Coroscope is not installed, or the theme lacks it.
QIcon appIcon() {
    QIcon icon;
    const QString hicolor = QStringLiteral(":/icons/hicolor");
    for (const QString& size : QDir(hicolor).entryList(QDir::Dirs)) // 16x16 ... 256x256
        icon.addFile(hicolor + u'/' + size + QStringLiteral("/apps/" COROSCOPE_APP_ID ".png"));
    return icon;
}

} // namespace

bool opensInGui(const char* arg) {
    const QString a = QString::fromLocal8Bit(arg);
    return a.endsWith(QLatin1String(".js")) || a.endsWith(QLatin1String(".coroscope")) ||
           a.startsWith(QLatin1String("example:"));
}

int guiCommand(int argc, char** argv, const QString& file) {
    // Qt aborts when it cannot reach a display: say what to do instead.
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&
        qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        std::fprintf(stderr, "coroscope: no display to open the window on; run a workload headless with "
                             "'coroscope run SCRIPT' (see coroscope --help)\n");
        return 2;
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("coroscope"));
    QApplication::setApplicationDisplayName(QStringLiteral("Coroscope"));
    QApplication::setApplicationVersion(QStringLiteral(COROSCOPE_VERSION));
    ui::setApplicationIdentity(); // before the window reads its QSettings
    // Wayland's app_id and the desktop's launcher entry: packaging/linux/COROSCOPE_APP_ID.desktop.
    QApplication::setDesktopFileName(QStringLiteral(COROSCOPE_APP_ID));
    QApplication::setWindowIcon(appIcon());
    ui::MainWindow window(QCoreApplication::applicationFilePath());
    window.setExamples(windowExamples());
    // As File > Open would: a session or a script, example:NAME with its source, kept in Recent
    // (by its absolute path, which still names it from another working directory).
    if (file.startsWith(QLatin1String("example:")))
        window.openFile(file);
    else if (!file.isEmpty())
        window.openFile(QFileInfo(file).absoluteFilePath());
    window.show();
    return app.exec();
}

QList<ui::StartPage::Example> windowExamples() {
    QList<ui::StartPage::Example> list;
    for (const Example& e : examples()) {
        QFile source(e.resource);
        list.append({e.name, e.summary,
                     source.open(QIODevice::ReadOnly) ? QString::fromUtf8(source.readAll()) : QString()});
    }
    return list;
}

} // namespace coroscope::app
