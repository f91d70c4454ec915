#include "guicommand.h"

#include "examplescommand.h"
#include "mainwindow.h"

#include <QApplication>

#include <cstdio>
#include <cstring>

namespace coroscope::app {

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
    ui::MainWindow window(QCoreApplication::applicationFilePath());
    QList<ui::StartPage::Example> list;
    for (const Example& e : examples())
        list.append({e.name, e.summary});
    window.setExamples(list);
    if (file.endsWith(QLatin1String(".coroscope"))) {
        window.openSession(file);
    } else if (!file.isEmpty()) {
        window.openScript(file);
    }
    window.show();
    return app.exec();
}

} // namespace coroscope::app
