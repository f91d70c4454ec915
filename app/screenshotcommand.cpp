#include "screenshotcommand.h"

#include "examplescommand.h"
#include "guicommand.h"
#include "mainwindow/mainwindow.h"
#include "models/slowcallbackmodel.h"
#include "models/tasktablemodel.h"
#include "panels/cpuprofilepage.h"
#include "panels/tasktimeline.h"
#include "run/taskstoreworker.h"

#include <QApplication>
#include <QDir>
#include <QEventLoop>
#include <QPalette>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

#include <chrono>
#include <cstdio>
#include <cstring>

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

/// A palette for a dark desktop (what the window follows: tables, charts, the Summary).
QPalette darkPalette() {
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x31), base(0x1e, 0x1f, 0x22), text(0xdf, 0xe1, 0xe5);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Highlight, QColor(0x35, 0x74, 0xf0));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::PlaceholderText, text.darker(160));
    for (const auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, text.darker(200)); // a disabled Stop looks disabled
    return p;
}

int screenshotCommand(int argc, char** argv) {
    // --screenshots DIR FILE [--size WxH] [--dark]
    QSize size(1600, 1000);
    bool dark = false;
    bool usage = argc < 4;
    for (int i = 4; i < argc && !usage; ++i) {
        if (std::strcmp(argv[i], "--dark") == 0) {
            dark = true;
        } else if (std::strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
            const QStringList wh = QString::fromLocal8Bit(argv[++i]).split(u'x');
            size = wh.size() == 2 ? QSize(wh[0].toInt(), wh[1].toInt()) : QSize();
            usage = size.width() < 320 || size.height() < 240;
        } else {
            usage = true;
        }
    }
    if (usage) {
        std::fprintf(stderr, "coroscope: usage: coroscope --screenshots DIR FILE [--size WxH] [--dark]\n");
        return 2;
    }
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&
        qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen"); // grabbing widgets needs no screen
    int qtArgc = 1;                              // our options are not Qt's
    QApplication app(qtArgc, argv);
    QApplication::setApplicationName(QStringLiteral("coroscope-screenshots")); // not the user's layout
    if (dark) {
        QApplication::setStyle(QStringLiteral("Fusion")); // a style that draws with the palette
        QApplication::setPalette(darkPalette());
    }
    const QDir dir(QString::fromLocal8Bit(argv[2]));
    if (!QDir().mkpath(dir.path())) {
        std::fprintf(stderr, "coroscope: cannot create %s\n", argv[2]);
        return 2;
    }
    const QString file = QString::fromLocal8Bit(argv[3]);
    ui::MainWindow window(QCoreApplication::applicationFilePath());
    window.setExamples(windowExamples());
    window.resetLayout();
    window.resize(size);
    window.show();
    if (file.endsWith(QLatin1String(".coroscope"))) {
        if (!window.openSession(file) ||
            !spinUntil([&] { return window.tail().latest() != nullptr; }, std::chrono::seconds(30))) {
            std::fprintf(stderr, "coroscope: cannot open %s\n", qPrintable(file));
            return 2;
        }
    } else {
        window.openFile(file); // a script or example:NAME (its source comes with the examples)
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
    // Each view has the whole window: one PNG per view (and per tab of the Tasks view).
    bool ok = true;
    const char* const names[] = {"summary", "tasks", "event-loop", "latency", "memory", "script"};
    for (int view = 0; view <= int(ui::MainWindow::View::Script); ++view) {
        window.showView(ui::MainWindow::View(view));
        settle(window);
        const QString name = QString::fromLatin1(names[view]);
        if (ui::MainWindow::View(view) != ui::MainWindow::View::Tasks) {
            ok = save(window, dir, name) && ok;
            continue;
        }
        for (int tab = 0; tab < window.taskTabs().count(); ++tab) {
            window.taskTabs().setCurrentIndex(tab);
            settle(window);
            const QString tabName = window.taskTabs().tabText(tab).toLower().replace(u' ', u'-');
            ok = save(window, dir, tab == 0 ? name : name + u'-' + tabName) && ok;
        }
        window.taskTabs().setCurrentIndex(0);
    }
    // The views past the View enum (CPU profile, sites), by their tab; then the CPU profile of
    // the run's middle third as if dragged in the timeline, with the timeline showing the range.
    auto* views = window.findChild<QTabWidget*>(QStringLiteral("Views"));
    for (int tab = int(ui::MainWindow::View::Script) + 1; views && tab < views->count(); ++tab) {
        views->setCurrentIndex(tab);
        settle(window);
        ok = save(window, dir, views->tabText(tab).toLower().remove(u'&').simplified().replace(u' ', u'-')) &&
             ok;
    }
    const session::SessionData& data = *window.tail().latest();
    const std::int64_t third = std::max<std::int64_t>(data.snapshot.nowNs - data.info.startNs, 3) / 3;
    window.selectTimeRange(TimeRange{data.info.startNs + third, data.info.startNs + 2 * third});
    views->setCurrentWidget(&window.cpuProfilePage());
    settle(window);
    ok = save(window, dir, QStringLiteral("cpu-profile-range")) && ok;
    window.showView(ui::MainWindow::View::Tasks);
    window.taskTabs().setCurrentWidget(&window.timeline());
    settle(window);
    ok = save(window, dir, QStringLiteral("tasks-timeline-range")) && ok;
    return ok ? 0 : 1;
}

} // namespace coroscope::app
