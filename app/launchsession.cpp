#include "launchsession.h"

#include "model/runinfo.h"
#include "session/sqlite.h"

#include <QFile>

#include <csignal>
#include <cstring>

namespace coroscope::app {
namespace {

QString signalName(int signal) {
    const char* abbrev = ::sigabbrev_np(signal);
    return abbrev ? QStringLiteral("SIG") + QString::fromLatin1(abbrev)
                  : QStringLiteral("signal %1").arg(signal);
}

bool isStopSignal(int signal) {
    return signal == SIGINT || signal == SIGTERM || signal == SIGHUP || signal == SIGKILL ||
           signal == SIGQUIT;
}

} // namespace

ProbeReport readProbeStatus(const QString& statusFile) {
    ProbeReport report;
    QFile file(statusFile);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return report;
    for (const QByteArray& raw : file.readAll().split('\n')) {
        const QString line = QString::fromUtf8(raw).trimmed();
        if (line.startsWith(QLatin1String("attached")))
            report.attached = true;
        else if (line.startsWith(QLatin1String("error: ")) && report.error.isEmpty())
            report.error = line.mid(7);
        else if (line.startsWith(QLatin1String("waiting for thread ")))
            report.waitingForThread = line.mid(19);
        else if (line.startsWith(QLatin1String("seen thread ")) && !report.threadsSeen.contains(line.mid(12)))
            report.threadsSeen << line.mid(12);
    }
    return report;
}

QString describeEnd(const ProgramEnd& end) {
    if (end.durationElapsed)
        return QStringLiteral("stopped after --duration");
    if (end.crashed)
        return QStringLiteral("killed by signal %1 (%2)").arg(end.code).arg(signalName(end.code));
    return QStringLiteral("exit code %1").arg(end.code);
}

std::optional<session::SessionData> concludeSession(const QString& path, const ProgramEnd& end,
                                                    QString& error) {
    RunStatus status = RunStatus::Completed;
    if (end.durationElapsed)
        status = RunStatus::DurationElapsed;
    else if (end.crashed)
        status = isStopSignal(end.code) ? RunStatus::Interrupted : RunStatus::Crashed;
    else if (end.code != 0)
        status = RunStatus::Failed;
    try {
        session::Database db(path, session::Database::Mode::Create);
        const bool hasDuration = db.scalar("SELECT COUNT(*) FROM meta WHERE key = 'duration_ns'") > 0;
        db.exec("BEGIN");
        session::Statement s = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)");
        const auto put = [&s](const char* key, const QString& value) {
            s.bind(1, QString::fromLatin1(key));
            s.bind(2, value);
            s.run();
        };
        const auto putNumber = [&s](const char* key, std::int64_t value) {
            s.bind(1, QString::fromLatin1(key));
            s.bind(2, value);
            s.run();
        };
        put("status", runStatusName(status));
        put("end_reason", describeEnd(end));
        if (end.crashed)
            putNumber("exit_signal", end.code);
        else
            putNumber("exit_code", end.code);
        if (status == RunStatus::Failed)
            put("main_error", QStringLiteral("PROGRAM exited with code %1").arg(end.code));
        if (!hasDuration)
            putNumber("duration_ns", end.wallNs);
        db.exec("COMMIT");
    } catch (const session::SqliteError& e) {
        error = QStringLiteral("cannot record how PROGRAM ended in the session: %1")
                    .arg(QString::fromUtf8(e.what()));
        return std::nullopt;
    }
    try {
        return session::readSession(path);
    } catch (const session::SessionError& e) {
        error = QStringLiteral("cannot read the session back: %1").arg(e.message());
        return std::nullopt;
    }
}

} // namespace coroscope::app
