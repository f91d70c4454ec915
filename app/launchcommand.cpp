#include "launchcommand.h"

#include "budgetoptions.h"
#include "commandhelp.h"
#include "launchsession.h"
#include "programcheck.h"
#include "report/textsummary.h"
#include "reportfile.h"
#include "samplingoption.h"
#include "sessionpath.h"
#include "terminaltext.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>

#include <atomic>
#include <csignal>
#include <sys/types.h>

namespace coroscope::app {
namespace {

constexpr int kBadInput = 2;
constexpr int kBudgetViolated = 3;
/// After --duration, PROGRAM gets SIGTERM, and SIGKILL if it is still there this much later.
constexpr auto kTerminateGrace = std::chrono::seconds(5);

void printError(const QString& message) {
    printTerminal(stderr, QStringLiteral("coroscope launch: ") + message + u'\n');
}

struct LaunchOptions {
    ProgramFile program;
    QString programName; ///< as the user gave it
    QStringList arguments;
    QString session;
    QStringList reports;
    std::chrono::nanoseconds slowThreshold = std::chrono::milliseconds(100);
    std::chrono::nanoseconds duration{0};
    QString thread; ///< --thread: measure the thread of this name instead of the application's
    std::chrono::microseconds cpuSampleInterval{1000};
    BudgetOptions budgets;
};

/// The probe library: COROSCOPE_PROBE_LIBRARY, else beside this executable (the build tree), else
/// where `cmake --install` puts it relative to the installed executable.
QString probeLibrary() {
    if (const QString set = qEnvironmentVariable("COROSCOPE_PROBE_LIBRARY"); !set.isEmpty())
        return set;
    const QDir here(QCoreApplication::applicationDirPath());
    for (const QString& candidate : {here.filePath(QStringLiteral(COROSCOPE_PROBE_FILE_NAME)),
                                     here.filePath(QStringLiteral(COROSCOPE_PROBE_INSTALLED))})
        if (QFileInfo::exists(candidate))
            return QFileInfo(candidate).canonicalFilePath();
    return {};
}

std::optional<LaunchOptions> parseOptions(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Runs an unmodified Qt 6 program with Coroscope's probe preloaded (LD_PRELOAD) and records\n"
        "its event loop: every dispatch of the thread that creates the application object, slow\n"
        "callbacks with their stacks, loop lag, RSS and heap. PROGRAM's output passes through.\n\n"
        "Exit code: PROGRAM's (128+N if a signal N ended it), 2 bad input or not a Qt 6 program,\n"
        "3 a --fail-on budget was violated (docs/user-guide.md, Profile your own program)."));
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    parser.addPositionalArgument(QStringLiteral("program"), QStringLiteral("The Qt 6 program to run."));
    parser.addPositionalArgument(QStringLiteral("args"), QStringLiteral("Its arguments."),
                                 QStringLiteral("[ARGS...]"));
    const QCommandLineOption duration(
        QStringLiteral("duration"), QStringLiteral("Stop PROGRAM after T (SIGTERM, then SIGKILL 5 s later)."),
        QStringLiteral("T"));
    const QCommandLineOption threshold(QStringLiteral("slow-threshold"),
                                       QStringLiteral("Slow-callback threshold (default 100ms)."),
                                       QStringLiteral("T"));
    const QCommandLineOption report(
        QStringLiteral("report"),
        QStringLiteral("Write a report; format from the extension: %1 (repeatable).").arg(reportExtensions()),
        QStringLiteral("FILE"));
    const QCommandLineOption session = sessionOption();
    const QCommandLineOption thread(
        QStringLiteral("thread"),
        QStringLiteral("Measure the thread named NAME (its QThread objectName, or its OS name) instead of\n"
                       "the one that creates the application object."),
        QStringLiteral("NAME"));
    const QCommandLineOption sampleRate = sampleRateOption();
    parser.addOptions({duration, threshold, report, session, thread, sampleRate});
    parser.addOptions(BudgetOptions::commandLineOptions());
    if (const auto error = parseCommandLine(parser, arguments, QStringLiteral("launch"))) {
        printError(*error);
        return std::nullopt;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty()) {
        printError(
            QStringLiteral("expected a program to run: coroscope launch [options] -- PROGRAM [ARGS...]"));
        return std::nullopt;
    }
    LaunchOptions out;
    out.programName = positional.front();
    out.arguments = positional.mid(1);
    QString error;
    const auto program = checkProgram(out.programName, error);
    if (!program) {
        printError(error);
        return std::nullopt;
    }
    out.program = *program;
    for (const auto& [option, target] :
         {std::pair{&duration, &out.duration}, std::pair{&threshold, &out.slowThreshold}})
        if (const auto durationError = readDurationOption(parser, *option, *target)) {
            printError(*durationError);
            return std::nullopt;
        }
    if (const auto rateError = readSampleRate(parser, sampleRate, out.cpuSampleInterval)) {
        printError(*rateError);
        return std::nullopt;
    }
    if (const auto error = checkReportPaths(parser.values(report))) {
        printError(*error);
        return std::nullopt;
    }
    out.reports = parser.values(report);
    out.thread = parser.value(thread);
    if (parser.isSet(thread) && out.thread.trimmed().isEmpty()) {
        printError(QStringLiteral("--thread: expected a thread's name"));
        return std::nullopt;
    }
    if (const auto budgetError = BudgetOptions::parse(parser, out.budgets)) {
        printError(*budgetError);
        return std::nullopt;
    }
    if (parser.isSet(session)) {
        out.session = parser.value(session);
    } else {
        const auto path = defaultSessionPath(out.programName, error);
        if (!path) {
            printError(error);
            return std::nullopt;
        }
        out.session = *path;
    }
    return out;
}

QString whyNotAttached(const ProbeReport& report) {
    if (!report.error.isEmpty())
        return report.error;
    if (!report.waitingForThread.isEmpty())
        return QStringLiteral("no thread named '%1' dispatched an event (threads that did: %2)")
            .arg(report.waitingForThread, report.threadsSeen.isEmpty()
                                              ? QStringLiteral("none")
                                              : report.threadsSeen.join(QStringLiteral(", ")));
    return QStringLiteral("never created a Qt application object: not a Qt 6 program, or it ended before its "
                          "QCoreApplication was made");
}

std::atomic<qint64> g_child{0};

extern "C" void forwardSignal(int signal) {
    if (const qint64 pid = g_child.load())
        ::kill(pid_t(pid), signal); // async-signal-safe
}

} // namespace

int launchCommand(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    std::optional<LaunchOptions> options = parseOptions(app.arguments().mid(1));
    if (!options)
        return kBadInput;
    const QString probe = probeLibrary();
    if (probe.isEmpty()) {
        printError(
            QStringLiteral("the probe library (%1) is not installed beside %2")
                .arg(QStringLiteral(COROSCOPE_PROBE_FILE_NAME), QCoreApplication::applicationFilePath()));
        return kBadInput;
    }
    const QTemporaryDir scratch;
    const QString statusFile = scratch.filePath(QStringLiteral("probe-status"));

    QProcess child;
    child.setProgram(options->program.path);
    child.setArguments(options->arguments);
    child.setProcessChannelMode(QProcess::ForwardedChannels);
    child.setInputChannelMode(QProcess::ForwardedInputChannel);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QString preload = env.value(QStringLiteral("LD_PRELOAD"));
    env.insert(QStringLiteral("LD_PRELOAD"), preload.isEmpty() ? probe : probe + u':' + preload);
    env.insert(QStringLiteral("COROSCOPE_PROBE_SESSION"), QFileInfo(options->session).absoluteFilePath());
    env.insert(QStringLiteral("COROSCOPE_PROBE_STATUS"), statusFile);
    env.insert(QStringLiteral("COROSCOPE_PROBE_SLOW_THRESHOLD_NS"),
               QString::number(options->slowThreshold.count()));
    env.insert(QStringLiteral("COROSCOPE_PROBE_CPU_INTERVAL_US"),
               QString::number(options->cpuSampleInterval.count()));
    env.insert(QStringLiteral("COROSCOPE_PROBE_PROGRAM"), options->programName);
    env.insert(QStringLiteral("COROSCOPE_PROBE_ARGS"), options->arguments.join(u'\n'));
    // Per-task heap needs tasks, and tasks need the SDK. Without it the probe leaves blocks
    // untagged: their 16-byte headers would only cost (bench/launch: 1.15 x against 1.05 x).
    env.insert(QStringLiteral("COROSCOPE_PROBE_TASK_HEAP"),
               options->program.linksSdk() ? QStringLiteral("1") : QStringLiteral("0"));
    if (!options->thread.isEmpty())
        env.insert(QStringLiteral("COROSCOPE_PROBE_THREAD"), options->thread);
    child.setProcessEnvironment(env);

    // Ctrl+C reaches PROGRAM from the terminal itself; a SIGTERM sent to launch is passed on.
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGTERM, forwardSignal);
    bool durationElapsed = false;
    QTimer stopTimer;
    stopTimer.setSingleShot(true);
    QObject::connect(&stopTimer, &QTimer::timeout, &child, [&] {
        durationElapsed = true;
        child.terminate();
        QTimer::singleShot(kTerminateGrace, &child, [&child] { child.kill(); });
    });
    QObject::connect(&child, &QProcess::finished, &app, &QCoreApplication::quit, Qt::QueuedConnection);
    QElapsedTimer wall;
    wall.start();
    child.start();
    if (!child.waitForStarted(-1)) {
        printError(QStringLiteral("cannot start %1: %2").arg(options->program.path, child.errorString()));
        return kBadInput;
    }
    g_child = child.processId();
    if (options->duration.count() > 0)
        stopTimer.start(std::chrono::duration_cast<std::chrono::milliseconds>(options->duration));
    if (child.state() != QProcess::NotRunning)
        app.exec();
    g_child = 0;
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGINT, SIG_DFL);

    ProgramEnd end;
    end.crashed = child.exitStatus() == QProcess::CrashExit;
    end.code = child.exitCode(); // the signal's number when it crashed (QProcess on Unix)
    end.durationElapsed = durationElapsed;
    end.wallNs = wall.nsecsElapsed();
    const ProbeReport probeReport = readProbeStatus(statusFile);
    if (!probeReport.attached) {
        printError(QStringLiteral("%1: %2").arg(options->program.path, whyNotAttached(probeReport)));
        return kBadInput;
    }
    QString sessionError;
    const std::optional<session::SessionData> data = concludeSession(options->session, end, sessionError);
    if (!data) {
        printError(sessionError);
        return kBadInput;
    }
    printTerminal(stderr, textSummary(&data->info, data->snapshot));
    printTerminal(stderr,
                  QStringLiteral("PROGRAM: %1\nSession: %2\n").arg(describeEnd(end), options->session));
    bool reportsWritten = true;
    for (const QString& path : options->reports) {
        if (const auto error = writeReportFile(path, *reportFormatForPath(path), *data)) {
            printError(*error);
            reportsWritten = false;
        } else {
            printTerminal(stderr, QStringLiteral("Report: ") + path + u'\n');
        }
    }
    const BudgetCheck budgets = checkBudgets(options->budgets, *data, "launch");
    if (!reportsWritten || !budgets.junitWritten)
        return kBadInput;
    // PROGRAM's own exit code, as a shell gives it; one stopped by --duration did what was asked.
    // A budget counts when PROGRAM itself succeeded: a failure outranks it, as in `run`.
    const int programCode = end.durationElapsed ? 0 : end.crashed ? 128 + end.code : end.code;
    if (budgets.violated && programCode == 0)
        return kBudgetViolated;
    return programCode;
}

} // namespace coroscope::app
