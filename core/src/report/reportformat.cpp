#include "report/reportformat.h"

#include "report/htmlreport.h"
#include "report/jsonreport.h"

namespace coroscope {

std::optional<ReportFormat> reportFormatForPath(const QString& path) {
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
    return std::nullopt;
}

QString reportFormatNames() {
    return QStringLiteral("json, html");
}

QByteArray renderReport(ReportFormat format, const session::SessionData& data) {
    switch (format) {
    case ReportFormat::Json:
        return toJsonReport(data.info, data.snapshot);
    case ReportFormat::Html:
        return toHtmlReport(data);
    }
    return {};
}

} // namespace coroscope
