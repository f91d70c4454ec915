#include "proberecording.h"

#include "instrument/clock.h"
#include "session/sqlite.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSysInfo>

namespace coroscope::probe {
namespace {

Settings settingsFor(const ProbeConfig& config) {
    Settings settings;
    settings.slowCallbackThreshold = config.slowThreshold;
    settings.cpuSampleInterval = config.cpuSampleInterval;
    return settings;
}

} // namespace

std::optional<ProbeConfig> ProbeConfig::fromEnvironment() {
    ProbeConfig config;
    config.session = qEnvironmentVariable("COROSCOPE_PROBE_SESSION");
    if (config.session.isEmpty())
        return std::nullopt;
    config.statusFile = qEnvironmentVariable("COROSCOPE_PROBE_STATUS");
    bool ok = false;
    const qlonglong threshold = qEnvironmentVariable("COROSCOPE_PROBE_SLOW_THRESHOLD_NS").toLongLong(&ok);
    if (ok && threshold > 0)
        config.slowThreshold = std::chrono::nanoseconds(threshold);
    const qlonglong interval = qEnvironmentVariable("COROSCOPE_PROBE_CPU_INTERVAL_US").toLongLong(&ok);
    if (ok && interval >= 0)
        config.cpuSampleInterval = std::chrono::microseconds(interval);
    config.program = qEnvironmentVariable("COROSCOPE_PROBE_PROGRAM");
    config.taskHeap = qEnvironmentVariable("COROSCOPE_PROBE_TASK_HEAP") == QLatin1String("1");
    config.thread = qEnvironmentVariable("COROSCOPE_PROBE_THREAD");
    const QString arguments = qEnvironmentVariable("COROSCOPE_PROBE_ARGS");
    if (!arguments.isEmpty())
        config.arguments = arguments.split(u'\n');
    return config;
}

ProbeRecording::ProbeRecording(ProbeConfig config)
    : m_config(std::move(config))
    , m_profiler(settingsFor(m_config)) {}

ProbeRecording::~ProbeRecording() {
    finish(QString());
}

std::optional<QString> ProbeRecording::start() {
    try {
        m_session = std::make_unique<session::SessionWriter>(m_config.session, m_deltas);
        m_profiler.tapSession(m_deltas);
        const QString program =
            m_config.program.isEmpty() ? QCoreApplication::applicationFilePath() : m_config.program;
        m_session->setMeta({
            {QStringLiteral("script"), program},
            {QStringLiteral("script_path"), QCoreApplication::applicationFilePath()},
            {QStringLiteral("script_source"), QString()},
            {QStringLiteral("launched_program"), program},
            {QStringLiteral("launched_arguments"),
             QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(m_config.arguments))
                                   .toJson(QJsonDocument::Compact))},
            {QStringLiteral("slow_threshold_ns"), qlonglong(m_config.slowThreshold.count())},
            {QStringLiteral("coroscope_version"), QStringLiteral(COROSCOPE_VERSION)},
            {QStringLiteral("qt_version"), QString::fromLatin1(qVersion())},
            {QStringLiteral("qcoro_version"), QStringLiteral(COROSCOPE_QCORO_VERSION)},
            {QStringLiteral("host"), QSysInfo::machineHostName()},
            {QStringLiteral("started_at"), QDateTime::currentDateTime().toString(Qt::ISODateWithMs)},
            {QStringLiteral("pid"), qlonglong(QCoreApplication::applicationPid())},
        });
    } catch (const session::SqliteError& e) {
        m_session.reset();
        return QString::fromUtf8(e.what());
    }
    m_profiler.start();
    m_startNs = Clock::nanosNow();
    m_session->start(m_startNs);
    m_session->setMeta(QStringLiteral("start_ns"), qlonglong(m_startNs));
    return std::nullopt;
}

void ProbeRecording::finish(const QString& endReason) {
    if (!m_session || m_finished)
        return;
    m_finished = true;
    const std::int64_t durationNs = Clock::nanosNow() - m_startNs;
    m_profiler.stop();
    std::map<QString, QVariant> meta{{QStringLiteral("duration_ns"), qlonglong(durationNs)},
                                     {QStringLiteral("status"), QStringLiteral("completed")}};
    if (!endReason.isEmpty())
        meta.emplace(QStringLiteral("end_reason"), endReason);
    m_session->finish(meta);
}

} // namespace coroscope::probe
