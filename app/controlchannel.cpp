#include "controlchannel.h"

#include "model/format.h"
#include "runner/workloadrun.h"
#include "terminaltext.h"

#include <cstdio>
#include <poll.h>
#include <unistd.h>

namespace coroscope::app {

std::optional<QString> ControlChannel::apply(WorkloadRun& run, const QString& line) {
    const QStringList words = line.simplified().split(u' ', Qt::SkipEmptyParts);
    if (words.isEmpty())
        return std::nullopt;
    if (words.front() == QLatin1String("slow-threshold") && words.size() == 2) {
        const auto threshold = parseDuration(words[1]);
        if (!threshold || threshold->count() <= 0)
            return QStringLiteral("slow-threshold: '%1' is not a duration (like 250ms)").arg(words[1]);
        run.setSlowThreshold(*threshold);
        return std::nullopt;
    }
    return QStringLiteral("unknown control command '%1'").arg(line.left(200));
}

ControlChannel::ControlChannel(WorkloadRun& run)
    : m_reader([&run](std::stop_token stop) {
        // poll() with a timeout, not a blocking read: the destructor must be able to end it.
        QByteArray pending;
        char buffer[512];
        while (!stop.stop_requested()) {
            pollfd in{STDIN_FILENO, POLLIN, 0};
            if (::poll(&in, 1, 100) <= 0)
                continue;
            const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
            if (n <= 0)
                return; // end of input: the app closed its side
            pending.append(buffer, n);
            for (qsizetype eol; (eol = pending.indexOf('\n')) >= 0;) {
                const QString line = QString::fromUtf8(pending.left(eol));
                pending.remove(0, eol + 1);
                if (const auto error = apply(run, line))
                    printTerminal(stderr, QStringLiteral("coroscope run: ") + *error + u'\n');
            }
            if (pending.size() > 4096)
                pending.clear(); // no line is that long: not a command stream
        }
    }) {}

ControlChannel::~ControlChannel() = default; // jthread: stop requested, then joined

} // namespace coroscope::app
