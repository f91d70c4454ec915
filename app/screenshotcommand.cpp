#include "screenshotcommand.h"

#include "examplescommand.h"
#include "mainwindow/mainwindow.h"
#include "models/slowcallbackmodel.h"
#include "models/tasktablemodel.h"
#include "panels/tasktimeline.h"
#include "run/taskstoreworker.h"

#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QEventLoop>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

#include <chrono>
#include <cstdio>

namespace coroscope::app {
namespace {

/// Runs the loop until `done` or `timeout`; whether it was done.
template <typename Pred>
bool spinUntil(Pred done, std::chrono::milliseconds timeout) {
    QEventLoop loop;
    QTimer poll;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done() || std::chrono::steady_clock::now() >= deadline)
            loop.quit();
    });
    poll.start(20);
    loop.exec();
    return done();
}

/// Lets the charts lay out and the task views fetch what they show.
void settle(ui::MainWindow& window) {
    spinUntil([&] { return window.taskStore().pending() == 0 && window.taskModel().isSettled(); },
              std::chrono::seconds(10));
    spinUntil([] { return false; }, std::chrono::milliseconds(400));
    spinUntil([&] { return window.taskStore().pending() == 0 && window.timeline().isSettled(); },
              std::chrono::seconds(10));
}

bool save(QWidget& widget, const QDir& dir, const QString& name) {
    const QString path = dir.filePath(name + QStringLiteral(".png"));
    if (!widget.grab().save(path)) {
        std::fprintf(stderr, "coroscope: cannot write %s\n", qPrintable(path));
        return false;
    }
    std::printf("%s\n", qPrintable(path));
    return true;
}

} // namespace

int screenshotCommand(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "coroscope: usage: coroscope --screenshots DIR FILE\n");
        return 2;
    }
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&
        qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen"); // grabbing widgets needs no screen
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("coroscope-screenshots")); // not the user's layout
    const QDir dir(QString::fromLocal8Bit(argv[2]));
    if (!QDir().mkpath(dir.path())) {
        std::fprintf(stderr, "coroscope: cannot create %s\n", argv[2]);
        return 2;
    }
    const QString file = QString::fromLocal8Bit(argv[3]);
    ui::MainWindow window(QCoreApplication::applicationFilePath());
    window.resetLayout();
    window.resize(1440, 900);
    window.show();
    if (file.endsWith(QLatin1String(".coroscope"))) {
        if (!window.openSession(file) ||
            !spinUntil([&] { return window.tail().latest() != nullptr; }, std::chrono::seconds(30))) {
            std::fprintf(stderr, "coroscope: cannot open %s\n", qPrintable(file));
            return 2;
        }
    } else {
        window.openScript(file);
        window.run();
        if (!window.runner().isRunning()) {
            std::fprintf(stderr, "coroscope: cannot run %s\n", qPrintable(file));
            return 2;
        }
        spinUntil(
            [&] {
                return !window.runner().isRunning() && window.tail().latest() &&
                       window.tail().latest()->finished;
            },
            std::chrono::minutes(5));
    }
    if (!window.tail().latest()) {
        std::fprintf(stderr, "coroscope: %s recorded no session\n", qPrintable(file));
        return 1;
    }
    settle(window);
    // Something selected, as a user would: the worst slow callback, and its task.
    ui::SlowCallbackModel& slow = window.slowCallbackModel();
    if (slow.rowCount() > 0) {
        window.slowCallbackView().setCurrentIndex(window.slowCallbackView().model()->index(0, 0));
        if (const auto& calls = window.tail().latest()->snapshot.slowCallbacks;
            !calls.empty() && calls[0].taskId)
            window.selectTask(calls[0].taskId);
    } else if (window.taskModel().rowCount() > 0) {
        window.selectTask(window.taskModel().taskIdAt(0));
    }
    settle(window);
    bool ok = save(window, dir, QStringLiteral("window"));
    for (QDockWidget* dock : window.findChildren<QDockWidget*>()) {
        dock->raise();
        settle(window);
        QString name = dock->objectName().remove(QLatin1String("Dock"));
        name = name.replace(QRegularExpression(QStringLiteral("([a-z])([A-Z])")), QStringLiteral("\\1-\\2"))
                   .toLower();
        if (dock->objectName() == QLatin1String("TasksDock")) {
            for (int tab = 0; tab < window.taskTabs().count(); ++tab) {
                window.taskTabs().setCurrentIndex(tab);
                settle(window);
                const QString tabName = window.taskTabs().tabText(tab).toLower().replace(u' ', u'-');
                ok = save(*dock, dir, tab == 0 ? name : name + u'-' + tabName) && ok;
            }
            window.taskTabs().setCurrentIndex(0);
        } else {
            ok = save(*dock, dir, name) && ok;
        }
    }
    // The overview: the whole window as it opens, the Tasks dock in front.
    if (auto* tasks = window.findChild<QDockWidget*>(QStringLiteral("TasksDock")))
        tasks->raise();
    settle(window);
    ok = save(window, dir, QStringLiteral("overview")) && ok;
    return ok ? 0 : 1;
}

} // namespace coroscope::app
