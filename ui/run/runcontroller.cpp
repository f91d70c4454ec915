#include "run/runcontroller.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTimer>

#include <csignal>
#include <cstring>

namespace coroscope::ui {
namespace {

QString signalName(int signal) {
    switch (signal) {
    case SIGSEGV:
        return QStringLiteral("SIGSEGV");
    case SIGABRT:
        return QStringLiteral("SIGABRT");
    case SIGKILL:
        return QStringLiteral("SIGKILL");
    case SIGBUS:
        return QStringLiteral("SIGBUS");
    case SIGFPE:
        return QStringLiteral("SIGFPE");
    case SIGILL:
        return QStringLiteral("SIGILL");
    case SIGTERM:
        return QStringLiteral("SIGTERM");
    default:
        return QStringLiteral("signal %1").arg(signal);
    }
}

constexpr int kStderrTailLines = 20;

/// An argument as QProcess::splitCommand() reads it back: in double quotes if it has a space or a
/// quote (a literal quote is three of them there), bare otherwise.
QString quoted(const QString& argument) {
    if (!argument.isEmpty() && !argument.contains(QRegularExpression(QStringLiteral("[\\s\"]"))))
        return argument;
    QString escaped = argument;
    escaped.replace(u'"', QStringLiteral("\"\"\""));
    return u'"' + escaped + u'"';
}

QString launchBanner(const RunOutcome& outcome, const QString& after) {
    // launch's own refusal (not a Qt 6 program, a bad option) is its last stderr line.
    const QString last = outcome.stderrTail.trimmed().section(u'\n', -1);
    if (outcome.exitCode == 2 && last.startsWith(QLatin1String("coroscope launch: ")))
        return QStringLiteral("The program could not be profiled: %1").arg(last.mid(18));
    if (outcome.crashed) // launch itself was killed (the 3 s kill after Stop)
        return QStringLiteral("The program did not stop and was killed after %1 s — data up to then is kept")
            .arg(after);
    if (outcome.exitCode > 128 && outcome.exitCode < 128 + 65 && !outcome.stoppedByUser)
        return QStringLiteral("The program was killed by %1 after %2 s — data up to then is kept")
            .arg(signalName(outcome.exitCode - 128), after);
    if (outcome.exitCode != 0 && !outcome.stoppedByUser)
        return QStringLiteral("The program exited with code %1 after %2 s").arg(outcome.exitCode).arg(after);
    return {};
}

} // namespace

QString ProgramRequest::commandLine() const {
    return (QStringList{quoted(program)} + quotedArguments()).join(u' ');
}

QStringList ProgramRequest::quotedArguments() const {
    QStringList parts;
    for (const QString& argument : arguments)
        parts << quoted(argument);
    return parts;
}

QString ProgramRequest::toJson() const {
    const QJsonObject object{{QStringLiteral("program"), program},
                             {QStringLiteral("arguments"), QJsonArray::fromStringList(arguments)},
                             {QStringLiteral("workingDirectory"), workingDirectory},
                             {QStringLiteral("environment"), QJsonArray::fromStringList(environment)},
                             {QStringLiteral("thread"), thread}};
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

std::optional<ProgramRequest> ProgramRequest::fromJson(const QString& json) {
    const QJsonDocument document = QJsonDocument::fromJson(json.toUtf8());
    if (!document.isObject())
        return std::nullopt;
    const QJsonObject object = document.object();
    ProgramRequest request;
    request.program = object.value(QStringLiteral("program")).toString();
    if (request.program.isEmpty())
        return std::nullopt;
    const auto strings = [&](const char* key) {
        QStringList out;
        for (const QJsonValue& value : object.value(QLatin1String(key)).toArray())
            out << value.toString();
        return out;
    };
    request.arguments = strings("arguments");
    request.environment = strings("environment");
    request.workingDirectory = object.value(QStringLiteral("workingDirectory")).toString();
    request.thread = object.value(QStringLiteral("thread")).toString();
    return request;
}

QString RunOutcome::banner() const {
    const QString after = QString::number(double(elapsed.count()) / 1000.0, 'f', 1);
    if (launched)
        return launchBanner(*this, after);
    if (crashed && stoppedByUser)
        return QStringLiteral("The workload did not stop and was killed after %1 s — data up to then is kept")
            .arg(after);
    if (crashed)
        return QStringLiteral("The workload crashed (%1) after %2 s — data up to the crash is kept")
            .arg(signalName(signal), after);
    if (exitCode == 2)
        return QStringLiteral("The workload could not run: %1").arg(stderrTail.trimmed().section(u'\n', -1));
    if (exitCode == 5)
        // The runner caught its own crash and finished the session; its summary named the signal.
        return QStringLiteral(
                   "The workload crashed (%1) after %2 s — the session was finished, with the native stack")
            .arg(caughtSignal.isEmpty() ? QStringLiteral("a signal") : caughtSignal, after);
    return {};
}

RunController::RunController(QString runner, QObject* parent)
    : QObject(parent)
    , m_runner(std::move(runner)) {}

RunController::~RunController() {
    if (m_process) {
        // The GUI is closing: the runner must not outlive it. Disconnected first: its finished()
        // must not reach a window that is being destroyed (ASan, a test that failed mid-run).
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(1000);
    }
}

bool RunController::setSlowThreshold(std::chrono::milliseconds threshold) {
    if (!m_process || m_launched)
        return false;
    m_process->write("slow-threshold " + QByteArray::number(qlonglong(threshold.count())) + "ms\n");
    return true;
}

QStringList RunController::arguments(const RunRequest& request) {
    if (const auto& program = request.program) {
        QStringList args{QStringLiteral("launch"), QStringLiteral("--session"), request.session,
                         QStringLiteral("--slow-threshold"),
                         QString::number(request.slowThreshold.count()) + QStringLiteral("ms")};
        if (request.duration.count() > 0)
            args << QStringLiteral("--duration")
                 << QString::number(request.duration.count()) + QStringLiteral("ms");
        if (!program->thread.isEmpty())
            args << QStringLiteral("--thread") << program->thread;
        return args << QStringLiteral("--") << program->program << program->arguments;
    }
    QStringList args{QStringLiteral("run"),
                     request.script,
                     QStringLiteral("--session"),
                     request.session,
                     QStringLiteral("--slow-threshold"),
                     QString::number(request.slowThreshold.count()) + QStringLiteral("ms"),
                     QStringLiteral("--control-stdin")};
    if (request.duration.count() > 0)
        args << QStringLiteral("--duration")
             << QString::number(request.duration.count()) + QStringLiteral("ms");
    if (request.seed)
        args << QStringLiteral("--seed") << QString::number(*request.seed);
    for (const auto& [key, value] : request.params)
        args << QStringLiteral("--param") << key + u'=' + value;
    return args;
}

bool RunController::start(const RunRequest& request) {
    if (m_process) {
        m_error = QStringLiteral("a run is already in progress");
        return false;
    }
    auto* process = new QProcess(this);
    process->setProgram(m_runner);
    process->setArguments(arguments(request));
    m_launched = request.program.has_value();
    if (const auto& program = request.program) {
        if (!program->workingDirectory.isEmpty())
            process->setWorkingDirectory(program->workingDirectory);
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const QString& entry : program->environment)
            environment.insert(entry.section(u'=', 0, 0), entry.section(u'=', 1));
        process->setProcessEnvironment(environment);
    }
    connect(process, &QProcess::readyReadStandardOutput, this,
            [this, process] { forward(process, QProcess::StandardOutput); });
    connect(process, &QProcess::readyReadStandardError, this,
            [this, process] { forward(process, QProcess::StandardError); });
    m_process = process;
    m_stopRequested = false;
    m_stderrLines.clear();
    m_caughtSignal.clear();
    m_startedAt = std::chrono::steady_clock::now();
    process->start();
    watch(process);
    Q_EMIT started(request.session);
    return true;
}

void RunController::stop() {
    if (!m_process || m_stopRequested)
        return;
    m_stopRequested = true;
    m_process->terminate(); // SIGTERM: the runner ends the run and flushes the session
    QTimer::singleShot(kKillAfter, m_process, [process = m_process] { process->kill(); });
}

void RunController::forward(QProcess* process, QProcess::ProcessChannel channel) {
    process->setReadChannel(channel);
    while (process->canReadLine()) {
        const QString line = QString::fromUtf8(process->readLine()).chopped(1);
        const bool isError = channel == QProcess::StandardError;
        if (isError) {
            // The summary's first line names how the run ended; the crash stack after it may be
            // longer than the tail.
            static const QRegularExpression caught(QStringLiteral(": crashed after [^(]*\\((SIG[A-Z0-9]+)"));
            if (const auto match = caught.match(line); match.hasMatch())
                m_caughtSignal = match.captured(1);
            m_stderrLines << line;
            if (m_stderrLines.size() > kStderrTailLines)
                m_stderrLines.removeFirst();
        }
        Q_EMIT output(line, isError);
    }
}

void RunController::watch(QProcess* process) {
    // Signals, not a detached QCoro::Task (QCoro 0.8 destroys a dropped task's frame twice; see
    // SessionTail). No timeout: a run lasts as long as the user wants; Stop ends it.
    connect(process, &QProcess::finished, this, [this, process] { onFinished(process); });
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            onFinished(process);
    });
}

void RunController::onFinished(QProcess* process) {
    forward(process, QProcess::StandardOutput);
    forward(process, QProcess::StandardError);
    RunOutcome outcome;
    outcome.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - m_startedAt);
    outcome.crashed =
        process->exitStatus() == QProcess::CrashExit || process->error() == QProcess::FailedToStart;
    // On Unix, QProcess reports the terminating signal as the exit code of a crashed process.
    outcome.signal = outcome.crashed ? process->exitCode() : 0;
    outcome.exitCode = outcome.crashed ? -1 : process->exitCode();
    outcome.stoppedByUser = m_stopRequested;
    outcome.launched = m_launched;
    outcome.stderrTail = m_stderrLines.join(u'\n');
    outcome.caughtSignal = m_caughtSignal;
    if (process->error() == QProcess::FailedToStart) {
        outcome.crashed = false;
        outcome.exitCode = 2;
        outcome.stderrTail = QStringLiteral("cannot start %1: %2").arg(m_runner, process->errorString());
    }
    m_process = nullptr;
    process->deleteLater();
    Q_EMIT finished(outcome);
}

} // namespace coroscope::ui
