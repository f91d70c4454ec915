#include "report/reportformat.h"

#include "report/chrometrace.h"
#include "report/htmlreport.h"
#include "report/jsonreport.h"

#include <QIODevice>

namespace coroscope {

std::optional<ReportFormat> reportFormatForPath(const QString& path) {
    // Before .json, which it also ends with.
    if (path.endsWith(QLatin1String(".trace.json"), Qt::CaseInsensitive))
        return ReportFormat::ChromeTrace;
    if (path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive))
        return ReportFormat::Json;
    if (path.endsWith(QLatin1String(".html"), Qt::CaseInsensitive) ||
        path.endsWith(QLatin1String(".htm"), Qt::CaseInsensitive))
        return ReportFormat::Html;
    return std::nullopt;
}

std::optional<ReportFormat> reportFormatNamed(const QString& name) {
    if (name == QLatin1String("json"))
        return ReportFormat::Json;
    if (name == QLatin1String("html"))
        return ReportFormat::Html;
    if (name == QLatin1String("chrome"))
        return ReportFormat::ChromeTrace;
    return std::nullopt;
}

QString reportFormatNames() {
    return QStringLiteral("json, html, chrome");
}

QByteArray renderReport(ReportFormat format, const session::SessionData& data) {
    switch (format) {
    case ReportFormat::Json:
        return toJsonReport(data.info, data.snapshot);
    case ReportFormat::Html:
        return toHtmlReport(data);
    case ReportFormat::ChromeTrace:
        return toChromeTrace(data);
    }
    return {};
}

std::optional<QString> writeReport(ReportFormat format, const session::SessionData& data, QIODevice& out) {
    try {
        bool written = false;
        if (format == ReportFormat::ChromeTrace) {
            written = writeChromeTrace(data, out);
        } else {
            const QByteArray bytes = renderReport(format, data);
            written = out.write(bytes) == bytes.size();
        }
        if (!written)
            return out.errorString();
        return std::nullopt;
    } catch (const session::SessionError& e) {
        return e.message();
    }
}

} // namespace coroscope
