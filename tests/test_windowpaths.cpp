// Every path through the window leads somewhere (issue 13), offscreen: the examples stay reachable
// from the File menu and by typing example:NAME, an export suggests a name, adds the chosen
// format's extension and offers to open what it wrote, the session dialogs start where sessions
// are, the settings live under the organization's name, Help starts with the reference.
#include "dialogs/filepaths.h"
#include "mainwindow/applicationidentity.h"
#include "mainwindow/mainwindow.h"
#include "panels/scripteditor.h"
#include "syntheticsession.h"
#include "testsupport.h"

#include <QAction>
#include <QApplication>
#include <QDesktopServices>
#include <QDialog>
#include <QFileDialog>
#include <QInputDialog>
#include <QJsonDocument>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTimer>
#include <QUrl>

using namespace coroscope;
using namespace coroscope::ui;
using namespace std::chrono_literals;

namespace {

const QString kLeakSource =
    QStringLiteral("// A cache keeps every entry.\nfunction* main() { yield sleep(1); }\n");

QList<StartPage::Example> examples() {
    return {{QStringLiteral("blocking-call"), QStringLiteral("A coroutine blocks the loop."),
             QStringLiteral("// blocking\nfunction* main() { blockFor(10); }\n")},
            {QStringLiteral("memory-leak"), QStringLiteral("A cache keeps every entry."), kLeakSource}};
}

/// COROSCOPE_SCREENSHOT_DIR=dir saves what a widget looked like (for a human to look at).
void screenshot(QWidget& widget, const char* name) {
    const QByteArray dir = qgetenv("COROSCOPE_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        widget.grab().save(QString::fromLocal8Bit(dir) + u'/' + QLatin1String(name) + QStringLiteral(".png"));
}

QAction* findAction(QWidget& w, const QString& text) {
    for (QAction* action : w.findChildren<QAction*>())
        if (action->text() == text)
            return action;
    return nullptr;
}

/// Runs `handle` on the next modal dialog (a file or input dialog `trigger` opens and waits on).
template <typename Dialog, typename Handle>
bool onModal(const std::function<void()>& trigger, Handle handle) {
    bool seen = false;
    QTimer::singleShot(0, [&] {
        auto* dialog = qobject_cast<Dialog*>(QApplication::activeModalWidget());
        if (!dialog)
            return;
        seen = true;
        handle(*dialog);
    });
    trigger();
    return seen;
}

} // namespace

/// Stands in for the desktop's browser (QDesktopServices::setUrlHandler).
class UrlCatcher : public QObject {
    Q_OBJECT
public Q_SLOTS:
    void open(const QUrl& url) { urls << url; }

public:
    QList<QUrl> urls;
};

class TestWindowPaths : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void settingsLiveUnderTheOrganization(); // first: the other tests' settings go there too
    void examplesMenuOpensAnExampleWithoutRunningIt();
    void openFileTakesExampleNames();
    void openDialogsTakeExampleNames();
    void sessionDialogsStartInTheSessionsFolder();
    void exportSuggestsANameAddsTheExtensionAndOffersTheReport();
    void scriptingReferenceStartsWithTheReference();
};

// Regression: QSettings went to ~/.config/Unknown Organization/coroscope.conf.
void TestWindowPaths::settingsLiveUnderTheOrganization() {
    const QString app = QCoreApplication::applicationName();
    {
        QSettings old(QSettings::NativeFormat, QSettings::UserScope, QStringLiteral("Unknown Organization"),
                      app);
        old.setValue(QStringLiteral("recentFiles"), QStringList{QStringLiteral("/w/old.js")});
    }
    setApplicationIdentity();
    QCOMPARE(QCoreApplication::organizationName(), QStringLiteral("Coroscope"));
    QCOMPARE(QCoreApplication::organizationDomain(), QStringLiteral("coroscope.github.io"));
    QSettings settings;
    QCOMPARE(settings.fileName(), qEnvironmentVariable("XDG_CONFIG_HOME") + QStringLiteral("/Coroscope/") +
                                      app + QStringLiteral(".conf"));
    // What the earlier Coroscope kept is carried over, once: later settings are not overwritten.
    QCOMPARE(settings.value(QStringLiteral("recentFiles")).toStringList(),
             QStringList{QStringLiteral("/w/old.js")});
    settings.setValue(QStringLiteral("recentFiles"), QStringList{QStringLiteral("/w/new.js")});
    settings.sync();
    setApplicationIdentity();
    QCOMPARE(QSettings().value(QStringLiteral("recentFiles")).toStringList(),
             QStringList{QStringLiteral("/w/new.js")});
    QSettings().remove(QStringLiteral("recentFiles"));
}

void TestWindowPaths::examplesMenuOpensAnExampleWithoutRunningIt() {
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    QVERIFY(!w.examplesMenu().isEnabled()); // nothing to list yet
    w.setExamples(examples());
    QVERIFY(w.examplesMenu().isEnabled());
    const QList<QAction*> entries = w.examplesMenu().actions();
    QCOMPARE(entries.size(), 2);
    QCOMPARE(entries[1]->text(), QStringLiteral("memory-leak"));
    QCOMPARE(entries[1]->toolTip(), QStringLiteral("A cache keeps every entry."));
    entries[1]->trigger();
    QCOMPARE(w.scriptText(), kLeakSource); // shown before any run
    QVERIFY(w.scriptEditor().isReadOnly());
    QVERIFY(!w.runner().isRunning()); // opened, not run
    QVERIFY(w.windowTitle().contains(QStringLiteral("example:memory-leak")));
    QCOMPARE(w.recentFiles().value(0), QStringLiteral("example:memory-leak"));
    if (auto* file = qobject_cast<QMenu*>(w.examplesMenu().parent())) {
        w.show();
        file->popup(w.mapToGlobal(QPoint(0, 20)));
        w.examplesMenu().popup(file->mapToGlobal(QPoint(file->width(), 0)));
        screenshot(*file, "file-menu");
        screenshot(w.examplesMenu(), "examples-menu");
        w.examplesMenu().hide();
        file->hide();
    }
}

// What `coroscope example:NAME` and File > Recent do.
void TestWindowPaths::openFileTakesExampleNames() {
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    w.setExamples(examples());
    w.openFile(QStringLiteral("example:memory-leak"));
    QCOMPARE(w.scriptText(), kLeakSource);
    QVERIFY(w.openExample(QStringLiteral("blocking-call")));
    QVERIFY(w.scriptText().contains(QStringLiteral("blockFor(10)")));
    QVERIFY(!w.openExample(QStringLiteral("no-such-example")));
    w.openFile(QStringLiteral("example:../etc/passwd"));
    QVERIFY(w.scriptText().contains(QStringLiteral("blockFor(10)"))); // what was open stays
    QVERIFY(!w.recentFiles().contains(QStringLiteral("example:../etc/passwd")));
}

void TestWindowPaths::openDialogsTakeExampleNames() {
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    w.setExamples(examples());
    w.show();
    // File > Open Script…: example:NAME typed as the file name.
    QAction* openScript = findAction(w, QStringLiteral("Open &Script…"));
    QVERIFY(openScript);
    QVERIFY(onModal<QFileDialog>(
        [&] { openScript->trigger(); },
        [](QFileDialog& files) {
            QVERIFY(files.labelText(QFileDialog::FileName).contains(QStringLiteral("example:NAME")));
            files.selectFile(QStringLiteral("example:memory-leak"));
            static_cast<QDialog&>(files).accept(); // QFileDialog::accept() is protected
        }));
    QCOMPARE(w.scriptText(), kLeakSource);
    // File > Open Example…: a name from the list, typed with its prefix.
    QAction* openExample = findAction(w, QStringLiteral("Open E&xample…"));
    QVERIFY(openExample);
    QVERIFY(onModal<QInputDialog>(
        [&] { openExample->trigger(); },
        [](QInputDialog& input) {
            QCOMPARE(input.comboBoxItems(),
                     (QStringList{QStringLiteral("blocking-call"), QStringLiteral("memory-leak")}));
            input.setTextValue(QStringLiteral("example:blocking-call"));
            input.accept();
        }));
    QVERIFY(w.scriptText().contains(QStringLiteral("blockFor(10)")));
    QCOMPARE(w.recentFiles().value(0), QStringLiteral("example:blocking-call"));
}

void TestWindowPaths::sessionDialogsStartInTheSessionsFolder() {
    const QString sessions = sessionsDirectory();
    QCOMPARE(sessions, qEnvironmentVariable("XDG_DATA_HOME") + QStringLiteral("/coroscope/sessions"));
    const QString a = sessions + QStringLiteral("/paths-a.coroscope");
    test::writeSyntheticSession(a, 5, 1);
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    w.show();
    QStringList startedIn;
    const auto rememberAndReject = [&](QFileDialog& files) {
        startedIn << files.directory().absolutePath();
        files.reject();
    };
    QVERIFY(onModal<QFileDialog>([&] { findAction(w, QStringLiteral("Open S&ession…"))->trigger(); },
                                 rememberAndReject));
    // Compare > Sessions with nothing shown asks for A, then for B.
    QVERIFY(onModal<QFileDialog>(
        [&] { findAction(w, QStringLiteral("&Sessions…"))->trigger(); },
        [&](QFileDialog& files) {
            startedIn << files.directory().absolutePath();
            QTimer::singleShot(0, [&] {
                if (auto* b = qobject_cast<QFileDialog*>(QApplication::activeModalWidget()))
                    rememberAndReject(*b);
            });
            files.selectFile(a);
            static_cast<QDialog&>(files).accept(); // QFileDialog::accept() is protected
        }));
    QAction* saveAs = findAction(w, QStringLiteral("Save Session &As…"));
    QVERIFY(onModal<QFileDialog>([&] { saveAs->trigger(); }, rememberAndReject));
    QCOMPARE(startedIn, QStringList(4, sessions));
    // Shown in the menu on every platform (QKeySequence::SaveAs is empty on some).
    QCOMPARE(saveAs->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+S")));
    QFile::remove(a);
}

void TestWindowPaths::exportSuggestsANameAddsTheExtensionAndOffersTheReport() {
    const QTemporaryDir dir;
    const QString session = dir.filePath(QStringLiteral("s.coroscope"));
    test::writeSyntheticSession(session, 20, 1);
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    w.show();
    QVERIFY(w.openSession(session));
    QVERIFY(test::spinUntil([&] { return w.tail().latest() != nullptr; }, 10s));
    const QString base = QStringLiteral("synthetic-") + QDate::currentDate().toString(Qt::ISODate);
    QCOMPARE(w.suggestedReportPath(), QDir::home().filePath(base)); // nothing exported yet: home
    QAction* exportAction = findAction(w, QStringLiteral("&Export Report…"));
    QVERIFY(exportAction);
    std::optional<QString> written;
    connect(&w, &MainWindow::exported, this, [&](const QString& path, const QString& error) {
        written = error.isEmpty() ? path : QStringLiteral("error: ") + error;
    });
    QVERIFY(
        onModal<QFileDialog>([&] { exportAction->trigger(); },
                             [&](QFileDialog& files) {
                                 QCOMPARE(QFileInfo(files.selectedFiles().value(0)).fileName(), base);
                                 QCOMPARE(files.selectedNameFilter(), QStringLiteral("HTML (*.html)"));
                                 files.setDirectory(dir.path());
                                 files.selectNameFilter(QStringLiteral("JSON (*.json)"));
                                 files.selectFile(QStringLiteral("report"));
                                 static_cast<QDialog&>(files).accept(); // QFileDialog::accept() is protected
                             }));
    QVERIFY(test::spinUntil([&] { return written.has_value(); }, 30s));
    const QString path = dir.filePath(QStringLiteral("report.json"));
    QCOMPARE(*written, path);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(QJsonDocument::fromJson(file.readAll()).isObject());
    // The status bar offers the report; its button opens it with the desktop's handler.
    QCOMPARE(w.writtenReport(), path);
    auto* open = w.findChild<QPushButton*>(QStringLiteral("openReportButton"));
    QVERIFY(open && open->isVisible());
    screenshot(w, "export-offer");
    UrlCatcher browser;
    QDesktopServices::setUrlHandler(QStringLiteral("file"), &browser, "open");
    QTest::mouseClick(open, Qt::LeftButton);
    QDesktopServices::unsetUrlHandler(QStringLiteral("file"));
    QCOMPARE(browser.urls, QList<QUrl>{QUrl::fromLocalFile(path)});
    // The next export starts where this one went, in the format it chose.
    QCOMPARE(w.suggestedReportPath(), QDir(dir.path()).filePath(base));
    QVERIFY(onModal<QFileDialog>([&] { exportAction->trigger(); },
                                 [&](QFileDialog& files) {
                                     QCOMPARE(files.selectedNameFilter(), QStringLiteral("JSON (*.json)"));
                                     files.reject();
                                 }));
}

// Regression: the reference opened on notes about how tests check the page.
void TestWindowPaths::scriptingReferenceStartsWithTheReference() {
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    w.showScriptingReference();
    QDialog* shown = nullptr;
    for (QDialog* dialog : w.findChildren<QDialog*>())
        if (dialog->windowTitle() == QStringLiteral("Scripting Reference"))
            shown = dialog;
    QVERIFY(shown);
    const QString text = shown->findChild<QTextBrowser*>()->toPlainText();
    QVERIFY2(text.startsWith(QStringLiteral("Workload scripts: the script API")), qPrintable(text.left(80)));
    const QString opening = text.left(text.indexOf(QStringLiteral("How a script runs")));
    QVERIFY(opening.contains(QStringLiteral("Quick start")));
    QVERIFY2(!opening.contains(QStringLiteral("test")), qPrintable(opening));
    QVERIFY(text.contains(QStringLiteral("test_scriptingdoc"))); // still said, at the end
}

int main(int argc, char** argv) {
    // Settings of this test only, in a directory of its own: QSettings fixes its paths at first use.
    QTemporaryDir config;
    qputenv("XDG_CONFIG_HOME", config.path().toLocal8Bit());
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("coroscope-test-paths"));
    TestWindowPaths test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_windowpaths.moc"
