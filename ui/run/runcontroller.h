#pragma once

#include <QObject>
#include <QProcess>
#include <QString>

#include <chrono>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace coroscope::ui {

/// A program of the user's to profile with `coroscope launch` (File > Profile Program…).
struct ProgramRequest {
    QString program; ///< an absolute path (the dialog resolves names on PATH)
    QStringList arguments;
    QString workingDirectory; ///< empty: the window's own
    QStringList environment;  ///< NAME=VALUE, set over the window's environment
    QString thread;           ///< `launch --thread` (empty: the thread that creates the application)

    /// "app --flag input.txt": for menus and titles, quoted as QProcess::splitCommand() reads it.
    QString commandLine() const;
    /// The arguments alone, quoted the same way (the dialog's field).
    QStringList quotedArguments() const;
    /// For the recent-programs list (QSettings): one compact JSON object.
    QString toJson() const;
    static std::optional<ProgramRequest> fromJson(const QString& json);
    bool operator==(const ProgramRequest&) const = default;
};

/// What to run: the settings form of the Run menu.
struct RunRequest {
    QString script;  ///< a path, or example:NAME
    QString session; ///< the session file the runner writes (the GUI tails it)
    std::chrono::milliseconds slowThreshold{100};
    std::chrono::milliseconds duration{0}; ///< 0: until main returns
    std::optional<std::uint64_t> seed;
    std::vector<std::pair<QString, QString>> params;
    std::optional<ProgramRequest> program; ///< set: profile this program instead of the script
};

/// How a run ended, in words for the banner.
struct RunOutcome {
    bool launched = false; ///< a program under `coroscope launch`, not a script
    int exitCode = 0;
    bool crashed = false; ///< killed by a signal (including the 3 s kill after Stop)
    int signal = 0;
    bool stoppedByUser = false;
    std::chrono::milliseconds elapsed{0};
    QString stderrTail;   ///< the runner's last lines (errors are one line each)
    QString caughtSignal; ///< "SIGSEGV": a crash the runner caught (exit code 5)

    /// "The workload crashed (SIGSEGV) after 12.3 s — data up to the crash is kept", or nothing
    /// for a run that ended normally.
    QString banner() const;
};

/// Runs `coroscope run` (or `coroscope launch` for a program) as a child process — the workload never runs on
/// the GUI's loop, so GUI painting cannot disturb what is measured, and a crash or hang cannot take the GUI
/// down. The process is followed through its signals; the GUI thread never blocks on it.
class RunController : public QObject {
    Q_OBJECT
public:
    /// `runner`: the coroscope executable (the GUI's own binary, normally).
    explicit RunController(QString runner, QObject* parent = nullptr);
    ~RunController() override;

    static constexpr std::chrono::milliseconds kKillAfter{3000};

    bool isRunning() const noexcept { return m_process != nullptr; }
    /// Starts a run; false (with error()) if one is running or the runner cannot start.
    bool start(const RunRequest& request);
    /// Asks the runner to finish (SIGTERM: tasks cancelled, session flushed); kills it if it has
    /// not ended kKillAfter later.
    void stop();
    QString error() const { return m_error; }
    /// Changes the running workload's slow-callback threshold at once (a line on its stdin, read
    /// by its own thread: it arrives even while the workload blocks its loop). False if none runs,
    /// or the run is a program's (its stdin is the program's own).
    bool setSlowThreshold(std::chrono::milliseconds threshold);

    /// The command line a request becomes (for the log and for tests).
    static QStringList arguments(const RunRequest& request);

Q_SIGNALS:
    void started(const QString& session);
    void finished(const coroscope::ui::RunOutcome& outcome);
    /// A line the runner printed (the script's log on stdout, the summary on stderr).
    void output(const QString& line, bool isError);

private:
    void watch(QProcess* process);
    void onFinished(QProcess* process);
    void forward(QProcess* process, QProcess::ProcessChannel channel);

    QString m_runner;
    QProcess* m_process = nullptr;
    QString m_error;
    bool m_stopRequested = false;
    bool m_launched = false;
    std::chrono::steady_clock::time_point m_startedAt;
    QStringList m_stderrLines;
    QString m_caughtSignal;
};

} // namespace coroscope::ui
