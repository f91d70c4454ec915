#include "runcommand.h"

#include "budgetoptions.h"
#include "commandhelp.h"
#include "controlchannel.h"
#include "examplescommand.h"
#include "model/format.h"
#include "report/textsummary.h"
#include "reportfile.h"
#include "runner/workloadrun.h"
#include "samplingoption.h"
#include "sessionpath.h"
#include "terminaltext.h"
#include <coroscope/instrumentedapplication.h>

#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace coroscope::app {
namespace {

enum ExitCode {
    kCompleted = 0,
    kWorkloadFailed = 1,
    kBadInput = 2,
    kBudgetViolated = 3,
    kLimitHit = 4,
    kCrashed = 5
};

void printError(const QString& message) {
    printTerminal(stderr, QStringLiteral("coroscope run: ") + message + u'\n');
}

struct ParsedOptions {
    RunOptions run;
    QStringList reports;
    QString session; ///< empty: a new file under $XDG_DATA_HOME/coroscope/sessions
    bool controlStdin = false;
    BudgetOptions budgets;
};

std::optional<ParsedOptions> parseOptions(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Runs a workload script headless and reports what it found.\n\n"
                       "Exit codes: 0 completed, 1 main threw, 2 bad input, 3 a --fail-on budget\n"
                       "was violated, 4 interrupted or a limit hit, 5 the runner crashed. A failed\n"
                       "or stopped run outranks a violated budget (docs/ci.md)."));
    parser.addPositionalArgument(QStringLiteral("script"),
                                 QStringLiteral("The workload script (.js) to run, or example:NAME for a "
                                                "built-in example (see coroscope examples)."));
    const QCommandLineOption duration(QStringLiteral("duration"),
                                      QStringLiteral("Stop after T (500ms, 10s, 2m)."), QStringLiteral("T"));
    const QCommandLineOption threshold(QStringLiteral("slow-threshold"),
                                       QStringLiteral("Slow-callback threshold (default 100ms)."),
                                       QStringLiteral("T"));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("Seed of random()/randint()."),
                                  QStringLiteral("N"));
    const QCommandLineOption param(QStringLiteral("param"), QStringLiteral("Script parameter (repeatable)."),
                                   QStringLiteral("k=v"));
    const QCommandLineOption scriptTimeout(
        QStringLiteral("script-timeout"),
        QStringLiteral("Interrupt a callback running longer (default 30s)."), QStringLiteral("T"));
    const QCommandLineOption memoryLimit(QStringLiteral("memory-limit"),
                                         QStringLiteral("Stop when RSS exceeds it (default 2GiB)."),
                                         QStringLiteral("BYTES"));
    const QCommandLineOption maxTasks(QStringLiteral("max-tasks"),
                                      QStringLiteral("Stop past N unfinished tasks (default 1000000)."),
                                      QStringLiteral("N"));
    const QCommandLineOption report(
        QStringLiteral("report"),
        QStringLiteral("Write a report; format from the extension: %1 (.trace.json: a Chrome trace "
                       "for Perfetto; a CSV report holds the tasks table, coroscope report --table "
                       "writes the others) (repeatable).")
            .arg(reportExtensions()),
        QStringLiteral("FILE"));
    const QCommandLineOption session = sessionOption();
    const QCommandLineOption sampleRate = sampleRateOption();
    const QCommandLineOption control(
        QStringLiteral("control-stdin"),
        QStringLiteral("Take commands on standard input while running, one per line: 'slow-threshold T' "
                       "changes the threshold at once (the desktop app's Run Settings)."));
    parser.addOptions({duration, threshold, seed, param, scriptTimeout, memoryLimit, maxTasks, report,
                       session, control, sampleRate});
    parser.addOptions(BudgetOptions::commandLineOptions());
    if (const auto error = parseCommandLine(parser, arguments, QStringLiteral("run"))) {
        printError(*error);
        return std::nullopt;
    }
    if (parser.positionalArguments().size() != 1) {
        printError(QStringLiteral("expected exactly one script (see coroscope run --help)"));
        return std::nullopt;
    }
    ParsedOptions parsed;
    parsed.controlStdin = parser.isSet(control);
    parsed.run.script = parser.positionalArguments().front();
    if (parsed.run.script.startsWith(examplePrefix())) {
        // An embedded example is read straight from its resource; reports name it example:NAME.
        const QString resource = exampleResource(parsed.run.script.mid(examplePrefix().size()));
        if (resource.isEmpty()) {
            printError(QStringLiteral("no such example: %1 (coroscope examples lists them)")
                           .arg(parsed.run.script.mid(examplePrefix().size())));
            return std::nullopt;
        }
        parsed.run.displayName = parsed.run.script;
        parsed.run.script = resource;
    } else if (const QFileInfo info(parsed.run.script); !info.isFile()) {
        printError(info.isDir() ? QStringLiteral("%1 is a directory, not a script").arg(parsed.run.script)
                   : info.exists()
                       ? QStringLiteral("%1 is not a regular file, not a script").arg(parsed.run.script)
                       : QStringLiteral("no such script: %1").arg(parsed.run.script));
        return std::nullopt;
    }
    auto durationOption = [&](const QCommandLineOption& option, std::chrono::nanoseconds& out) {
        const auto error = readDurationOption(parser, option, out);
        if (error)
            printError(*error);
        return !error;
    };
    auto numberOption = [&](const QCommandLineOption& option, std::uint64_t& out, std::uint64_t minimum) {
        if (!parser.isSet(option))
            return true;
        bool ok = false;
        const QString text = parser.value(option).trimmed();
        const qulonglong value = text.toULongLong(&ok);
        if (!ok)
            printError(QStringLiteral("--%1: '%2' is not a whole number from %3 to 18446744073709551615")
                           .arg(option.names().front(), parser.value(option))
                           .arg(minimum));
        else if (value < minimum)
            printError(QStringLiteral("--%1: must be at least %2, not %3")
                           .arg(option.names().front())
                           .arg(minimum)
                           .arg(value));
        else
            out = value;
        return ok && value >= minimum;
    };
    if (!durationOption(duration, parsed.run.duration) ||
        !durationOption(threshold, parsed.run.slowThreshold) ||
        !durationOption(scriptTimeout, parsed.run.scriptTimeout) || !numberOption(seed, parsed.run.seed, 0) ||
        !numberOption(maxTasks, parsed.run.maxTasks, 1))
        return std::nullopt;
    if (parser.isSet(memoryLimit)) {
        const auto bytes = parseBytes(parser.value(memoryLimit));
        if (!bytes) {
            printError(QStringLiteral("--memory-limit: '%1' is not a size (like 512MiB, 2GiB)")
                           .arg(parser.value(memoryLimit)));
            return std::nullopt;
        }
        parsed.run.memoryLimitBytes = *bytes;
    }
    for (const QString& kv : parser.values(param)) {
        const qsizetype eq = kv.indexOf(u'=');
        if (eq <= 0) {
            printError(QStringLiteral("--param: '%1' is not k=v").arg(kv));
            return std::nullopt;
        }
        parsed.run.params.emplace_back(kv.left(eq), kv.mid(eq + 1));
    }
    if (const auto error = readSampleRate(parser, sampleRate, parsed.run.cpuSampleInterval)) {
        printError(*error);
        return std::nullopt;
    }
    if (const auto error = checkReportPaths(parser.values(report))) {
        printError(*error);
        return std::nullopt;
    }
    parsed.reports = parser.values(report);
    // Budgets before the run: a typo in one must not cost a whole run.
    if (const auto error = BudgetOptions::parse(parser, parsed.budgets)) {
        printError(*error);
        return std::nullopt;
    }
    for (const Budget& budget : parsed.budgets.budgets) {
        // Only callbacks over the slow threshold are recorded, so a lower max-block budget could
        // never see a callback between the two: it would pass whatever happened.
        const bool overMaxBlock =
            budget.metric == Budget::Metric::MaxBlock &&
            (budget.op == Budget::Op::Greater || budget.op == Budget::Op::GreaterOrEqual);
        if (overMaxBlock && budget.threshold < double(parsed.run.slowThreshold.count())) {
            printError(
                QStringLiteral("--fail-on '%1': callbacks shorter than the slow threshold (%2) are not "
                               "recorded; add --slow-threshold %3")
                    .arg(budget.text, formatDuration(parsed.run.slowThreshold.count()), budget.valueText));
            return std::nullopt;
        }
    }
    if (parser.isSet(session)) {
        parsed.session = parser.value(session);
        // The report would replace the session it is written from, or the session the script.
        const QString sessionFile = QFileInfo(parsed.session).absoluteFilePath();
        for (const QString& report : parsed.reports)
            if (QFileInfo(report).absoluteFilePath() == sessionFile) {
                printError(
                    QStringLiteral("--report %1 is the session file: give them different names").arg(report));
                return std::nullopt;
            }
        if (parsed.run.displayName.isEmpty() &&
            QFileInfo(parsed.run.script).absoluteFilePath() == sessionFile) {
            printError(QStringLiteral("--session %1 is the script itself: give the session another name")
                           .arg(parsed.session));
            return std::nullopt;
        }
    } else {
        QString error;
        const auto path = defaultSessionPath(
            parsed.run.displayName.isEmpty() ? parsed.run.script : parsed.run.displayName, error);
        if (!path) {
            printError(error);
            return std::nullopt;
        }
        parsed.session = *path;
    }
    return parsed;
}

bool writeReport(const QString& path, const session::SessionData& data) {
    if (const auto error = writeReportFile(path, *reportFormatForPath(path), data)) {
        printError(*error);
        return false;
    }
    printTerminal(stderr, QStringLiteral("Report: ") + path + u'\n');
    return true;
}

/// The run SIGTERM and SIGINT stop (the GUI's Stop): ended like any other run, session finished.
std::atomic<WorkloadRun*> g_stoppable{nullptr};

std::atomic<int> g_stopSignals{0};

extern "C" void onStopSignal(int signal) {
    if (WorkloadRun* run = g_stoppable.load())
        run->requestStop(signal); // atomic stores: async-signal-safe; a second one hurries the guard
    // A third signal kills: a run that cannot stop must still be stoppable from a terminal.
    if (g_stopSignals.fetch_add(1) >= 1) {
        std::signal(SIGTERM, SIG_DFL);
        std::signal(SIGINT, SIG_DFL);
    }
}

/// Says how the run went (summary, reports, budgets) and gives the exit code. On the loop after a
/// run; on the guard thread when the guard had to end a run whose loop never came back.
int concludeRun(const ParsedOptions& parsed, WorkloadRun& run, RunStatus status) {
    const RunSnapshot snapshot = run.snapshot();
    if (status == RunStatus::Failed)
        printTerminal(stderr, QStringLiteral("main failed: ") + run.mainError() + u'\n');
    const RunInfo& info = run.info();
    printTerminal(stderr, textSummary(&info, snapshot));
    printTerminal(stderr, QStringLiteral("Session: ") + parsed.session + u'\n');
    // Reports come from the session as recorded: the same data `coroscope report` sees later
    // (and the time series and segments, which the snapshot does not keep). A session that stopped
    // recording (a full disk) is incomplete: then the run's own snapshot.
    const std::optional<QString> sessionError = run.sessionError();
    if (const std::optional<QString> warning = run.sessionWarning())
        printError(*warning);
    session::SessionData data;
    if (sessionError) {
        // The run itself went on; what reached the file before the error is still readable.
        printError(QStringLiteral("the session stopped recording: %1 (what was written before is kept)")
                       .arg(*sessionError));
        data = session::sessionDataFromSnapshot(info, snapshot);
    } else {
        try {
            data = session::readSession(parsed.session);
        } catch (const session::SessionError& e) {
            printError(QStringLiteral("cannot read back the session: %1").arg(e.message()));
            data = session::sessionDataFromSnapshot(info, snapshot);
        }
    }
    bool reportsWritten = true;
    for (const QString& path : parsed.reports)
        reportsWritten = writeReport(path, data) && reportsWritten;
    // Budgets are checked and said whatever the run's status, but the exit code ranks a run that
    // failed or was stopped above them: its budgets measured a run that did not do its work.
    const BudgetCheck budgets = checkBudgets(parsed.budgets, data, "run");
    if (!reportsWritten || !budgets.junitWritten)
        return kBadInput;
    if (status == RunStatus::Failed)
        return kWorkloadFailed;
    if (sessionError || run.sessionWarning())
        return kLimitHit; // the disk was the limit: the session holds less than the run did
    switch (status) {
    case RunStatus::Completed:
    case RunStatus::DurationElapsed:
        return budgets.violated ? kBudgetViolated : kCompleted;
    case RunStatus::Failed:
        return kWorkloadFailed;
    case RunStatus::Interrupted:
    case RunStatus::MemoryLimit:
    case RunStatus::TaskLimit:
    case RunStatus::Unfinished:
        return kLimitHit;
    case RunStatus::Crashed:
        return kCrashed;
    }
    return kCompleted;
}

} // namespace

int runCommand(int argc, char** argv) {
    // The runner's loop uses Qt's Unix event dispatcher: a dispatch costs ~90 ns there against
    // ~500 ns on glib, so less of what is measured is the dispatcher itself (README, Overhead).
    qputenv("QT_NO_GLIB", "1");
    // Line-buffered even into a pipe: the GUI shows the script's log as it comes, and a crash
    // must not take the last lines with it.
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    InstrumentedCoreApplication app(argc, argv);
    const std::optional<ParsedOptions> parsed = parseOptions(app.arguments().mid(1));
    if (!parsed)
        return kBadInput;

    WorkloadRun run(parsed->run);
    if (const auto error = run.load()) {
        printTerminal(stderr, error->toString() + u'\n');
        return kBadInput;
    }
    if (const auto error = run.recordSession(parsed->session)) {
        printError(QStringLiteral("cannot create the session: %1").arg(*error));
        return kBadInput;
    }
    QObject::connect(&run.runtime(), &script::ScriptRuntime::logged,
                     [](const QString& line) { printTerminal(stdout, line + u'\n'); });
    std::optional<ControlChannel> control;
    if (parsed->controlStdin)
        control.emplace(run);
    run.setLastResort([&] { return concludeRun(*parsed, run, run.info().status); });
    g_stoppable = &run;
    std::signal(SIGTERM, onStopSignal);
    std::signal(SIGINT, onStopSignal);
    RunStatus status = RunStatus::Completed;
    std::optional<QString> runError;
    // Queued: the run may end before exec() starts (a main that fails at once), and a direct
    // quit() before exec() would be lost.
    const auto quit = [&app] {
        QMetaObject::invokeMethod(&app, &QCoreApplication::quit, Qt::QueuedConnection);
    };
    QCoro::Task<> finished = run.run().then(
        [&](RunStatus s) {
            status = s;
            quit();
        },
        [&](const std::exception& e) {
            // Never expected; without this handler the loop would wait for a quit that never comes.
            runError = QString::fromUtf8(e.what());
            status = RunStatus::Interrupted;
            quit();
        });
    app.exec();
    control.reset();
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGINT, SIG_DFL);
    g_stoppable = nullptr;
    if (runError)
        printError(QStringLiteral("the run ended with an internal error: %1").arg(*runError));

    return concludeRun(*parsed, run, status);
}

} // namespace coroscope::app