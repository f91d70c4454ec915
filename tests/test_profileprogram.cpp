// File > Profile Program… (issue 14): the dialog checks what it can before launch does (the
// program, the directory, the environment lines) and stays open on a bad field; the window runs
// the program under `coroscope launch`, follows its session live like a script's, says why a
// program could not be profiled, remembers it in File > Recent, and runs it again with F5.
#include "dialogs/profileprogramdialog.h"
#include "mainwindow/mainwindow.h"
#include "models/slowcallbackmodel.h"
#include "models/toplistmodel.h"
#include "panels/scripteditor.h"
#include "panels/summarypage.h"

#include <QAction>
#include <QApplication>
#include <QDialogButtonBox>
#include <QFile>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace coroscope;
using namespace coroscope::ui;
using namespace std::chrono_literals;

namespace {

QString fixture(const char* name) {
    return QStringLiteral(COROSCOPE_FIXTURE_DIR "/launch_") + QLatin1String(name);
}

void clickOk(QDialog& dialog) {
    auto* buttons = dialog.findChild<QDialogButtonBox*>();
    QVERIFY(buttons);
    QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);
}

void screenshot(QWidget& widget, const char* name) {
    const QByteArray dir = qgetenv("COROSCOPE_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        widget.grab().save(QString::fromLocal8Bit(dir) + u'/' + QLatin1String(name) + QStringLiteral(".png"));
}

bool runFinished(MainWindow& w) {
    return !w.runner().isRunning() && w.tail().latest() && w.tail().latest()->finished;
}

} // namespace

class TestProfileProgram : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QCoreApplication::setOrganizationName(QStringLiteral("coroscope-test-profileprogram"));
        QSettings().clear();
    }
    void dialogRefusesWhatLaunchCouldNotRun();
    void dialogTakesQuotedArgumentsAndEnvironment();
    void requestsSurviveTheRecentList();
    void windowProfilesAProgramLive();
    void windowSaysWhyAProgramCannotBeProfiled();

private:
    QTemporaryDir m_dir;
};

void TestProfileProgram::dialogRefusesWhatLaunchCouldNotRun() {
    ProfileProgramDialog dialog(std::nullopt);
    dialog.show();
    clickOk(dialog);
    QVERIFY(dialog.isVisible()); // stays open
    QCOMPARE(dialog.error(), QStringLiteral("Program: choose the program to run"));

    dialog.programEdit()->setText(m_dir.filePath(QStringLiteral("missing")));
    clickOk(dialog);
    QVERIFY2(dialog.error().endsWith(QStringLiteral("missing: no such file")), qPrintable(dialog.error()));

    dialog.programEdit()->setText(QStringLiteral("no-such-program-on-path"));
    clickOk(dialog);
    QCOMPARE(dialog.error(), QStringLiteral("Program: no 'no-such-program-on-path' on PATH"));

    const QString text = m_dir.filePath(QStringLiteral("notes.txt"));
    QFile file(text);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    dialog.programEdit()->setText(text);
    clickOk(dialog);
    QVERIFY2(dialog.error().endsWith(QStringLiteral("is not an executable file")),
             qPrintable(dialog.error()));

    dialog.programEdit()->setText(fixture("timerblock"));
    dialog.directoryEdit()->setText(text);
    clickOk(dialog);
    QVERIFY2(dialog.error().startsWith(QStringLiteral("Working directory: ")), qPrintable(dialog.error()));

    dialog.directoryEdit()->clear();
    dialog.environmentEdit()->setPlainText(QStringLiteral("QT_LOGGING_RULES=*.debug=false\n\n1BAD=x"));
    clickOk(dialog);
    QCOMPARE(dialog.error(), QStringLiteral("Environment, line 3: '1BAD=x' is not NAME=VALUE"));
    screenshot(dialog, "profile-program-error");
    QVERIFY(!dialog.accepted());
    QCOMPARE(dialog.programEdit()->text(), fixture("timerblock")); // what was typed stays

    dialog.environmentEdit()->setPlainText(QStringLiteral("# a comment\nQT_LOGGING_RULES=*.debug=false"));
    clickOk(dialog);
    QVERIFY(!dialog.isVisible());
    QVERIFY(dialog.accepted());
    QCOMPARE(dialog.accepted()->environment, QStringList{QStringLiteral("QT_LOGGING_RULES=*.debug=false")});
}

void TestProfileProgram::dialogTakesQuotedArgumentsAndEnvironment() {
    ProfileProgramDialog dialog(std::nullopt);
    // A name on PATH, and a relative path from the working directory, become absolute paths.
    dialog.programEdit()->setText(QStringLiteral("sh"));
    dialog.argumentsEdit()->setText(QStringLiteral("-c \"echo \"\"\"quoted\"\"\" two\" last"));
    QString error;
    const auto onPath = dialog.request(&error);
    QVERIFY2(onPath, qPrintable(error));
    QVERIFY(QFileInfo(onPath->program).isAbsolute());
    QCOMPARE(onPath->arguments, (QStringList{QStringLiteral("-c"), QStringLiteral("echo \"quoted\" two"),
                                             QStringLiteral("last")}));
    // Shown again the way the field reads it back.
    QCOMPARE(QProcess::splitCommand(onPath->quotedArguments().join(u' ')), onPath->arguments);

    dialog.programEdit()->setText(QStringLiteral("./launch_timerblock"));
    dialog.directoryEdit()->setText(QStringLiteral(COROSCOPE_FIXTURE_DIR));
    dialog.threadEdit()->setText(QStringLiteral("  render-worker "));
    const auto relative = dialog.request(&error);
    QVERIFY2(relative, qPrintable(error));
    QCOMPARE(QFileInfo(relative->program).canonicalFilePath(),
             QFileInfo(fixture("timerblock")).canonicalFilePath());
    QCOMPARE(relative->thread, QStringLiteral("render-worker"));

    // The last request fills the form.
    ProfileProgramDialog again(*relative);
    QCOMPARE(again.programEdit()->text(), relative->program);
    QCOMPARE(again.directoryEdit()->text(), QStringLiteral(COROSCOPE_FIXTURE_DIR));
    QCOMPARE(again.threadEdit()->text(), QStringLiteral("render-worker"));
}

void TestProfileProgram::requestsSurviveTheRecentList() {
    ProgramRequest request;
    request.program = QStringLiteral("/opt/app/bin/my app");
    request.arguments = {QStringLiteral("--file"), QStringLiteral("a \"b\".txt"), QString()};
    request.workingDirectory = QStringLiteral("/tmp");
    request.environment = {QStringLiteral("A=1"), QStringLiteral("B=x=y")};
    request.thread = QStringLiteral("worker");
    const auto back = ProgramRequest::fromJson(request.toJson());
    QVERIFY(back);
    QVERIFY(*back == request);
    QCOMPARE(request.commandLine(),
             QStringLiteral("\"/opt/app/bin/my app\" --file \"a \"\"\"b\"\"\".txt\" \"\""));
    QVERIFY(!ProgramRequest::fromJson(QStringLiteral("{\"arguments\":[]}"))); // no program
    QVERIFY(!ProgramRequest::fromJson(QStringLiteral("not json")));

    // RunController turns it into a launch command line.
    RunRequest run;
    run.session = QStringLiteral("/tmp/s.coroscope");
    run.slowThreshold = 50ms;
    run.program = request;
    QCOMPARE(RunController::arguments(run),
             (QStringList{QStringLiteral("launch"), QStringLiteral("--session"),
                          QStringLiteral("/tmp/s.coroscope"), QStringLiteral("--slow-threshold"),
                          QStringLiteral("50ms"), QStringLiteral("--thread"), QStringLiteral("worker"),
                          QStringLiteral("--"), request.program}
              << request.arguments));
}

void TestProfileProgram::windowProfilesAProgramLive() {
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    w.show();
    ProgramRequest request;
    request.program = fixture("timerblock");
    QVERIFY(w.profileProgram(request));
    QVERIFY(w.runner().isRunning());
    QVERIFY(QTest::qWaitFor([&] { return runFinished(w); }, 60'000));
    const auto data = w.tail().latest();
    QCOMPARE(data->snapshot.slowCallbacks.size(), std::size_t(3));
    QCOMPARE(data->info.status, RunStatus::Completed);
    QCOMPARE(w.slowCallbackModel().rowCount(), 3);
    QVERIFY2(w.bannerText().isEmpty(), qPrintable(w.bannerText()));
    // No script line to name: the Summary's slowest callbacks say where by the program's own frame.
    TopListModel& slowest = w.summary().slowest();
    QCOMPARE(slowest.rowCount(), 3);
    const QString where = slowest.index(0, TopListModel::Detail).data().toString();
    QVERIFY2(where.startsWith(QStringLiteral("blockInNamedFunction")), qPrintable(where));
    QVERIFY2(w.windowTitle().startsWith(QStringLiteral("launch_timerblock")), qPrintable(w.windowTitle()));
    // The Script view says there is no script, and what ran instead.
    const QString placeholder = w.scriptEditor().placeholderText();
    QVERIFY2(placeholder.startsWith(QStringLiteral("No script")) &&
                 placeholder.contains(fixture("timerblock")),
             qPrintable(placeholder));
    screenshot(w, "profile-program-window");

    // Remembered: File > Recent has it, and it profiles it again.
    QCOMPARE(w.recentPrograms().size(), 1);
    QVERIFY(w.recentPrograms().first() == request);
    QAction* recent = nullptr;
    for (QAction* action : w.recentMenu().actions())
        if (action->text().startsWith(QStringLiteral("Profile ")))
            recent = action;
    QVERIFY(recent);
    QCOMPARE(recent->toolTip(), request.commandLine());
    const QString first = w.tail().path();
    recent->trigger();
    QVERIFY(w.runner().isRunning());
    QVERIFY(w.tail().path() != first); // a new session
    QVERIFY(QTest::qWaitFor([&] { return runFinished(w); }, 60'000));
    QCOMPARE(w.tail().latest()->snapshot.slowCallbacks.size(), std::size_t(3));
    QCOMPARE(w.recentPrograms().size(), 1); // the same program once, not twice

    // Run (F5) profiles it again too.
    const QString second = w.tail().path();
    w.run();
    QVERIFY(w.runner().isRunning());
    QVERIFY(w.tail().path() != second);
    QVERIFY(QTest::qWaitFor([&] { return runFinished(w); }, 60'000));
}

void TestProfileProgram::windowSaysWhyAProgramCannotBeProfiled() {
    MainWindow w(QStringLiteral(COROSCOPE_BINARY));
    w.show();
    ProgramRequest request;
    request.program = fixture("notqt");
    QVERIFY(w.profileProgram(request));
    QVERIFY(QTest::qWaitFor([&] { return !w.runner().isRunning(); }, 60'000));
    QTest::qWait(50);
    QVERIFY2(w.bannerText().startsWith(QStringLiteral("The program could not be profiled: ")),
             qPrintable(w.bannerText()));
    QVERIFY2(w.bannerText().contains(QStringLiteral("libQt6Core")), qPrintable(w.bannerText()));

    // A program that crashes: the banner says so, and the session up to the crash is shown.
    request.program = fixture("crash");
    QVERIFY(w.profileProgram(request));
    QVERIFY(QTest::qWaitFor([&] { return !w.runner().isRunning(); }, 60'000));
    QVERIFY(QTest::qWaitFor([&] { return !w.bannerText().isEmpty(); }, 5'000));
    QVERIFY2(w.bannerText().startsWith(QStringLiteral("The program was killed by SIG")),
             qPrintable(w.bannerText()));
}

QTEST_MAIN(TestProfileProgram)
#include "test_profileprogram.moc"
