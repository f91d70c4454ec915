#include "report/reportformat.h"

#include "report/htmlreport.h"
#include "report/jsonreport.h"
#include "report/markdownreport.h"

namespace coroscope {

std::optional<ReportFormat> reportFormatForPath(const QString& path) {
    if (path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive))
        return ReportFormat::Json;
    if (path.endsWith(QLatin1String(".html"), Qt::CaseInsensitive) ||
        path.endsWith(QLatin1String(".htm"), Qt::CaseInsensitive))
        return ReportFormat::Html;
    if (path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive))
        return ReportFormat::Csv;
    if (path.endsWith(QLatin1String(".md"), Qt::CaseInsensitive) ||
        path.endsWith(QLatin1String(".markdown"), Qt::CaseInsensitive))
        return ReportFormat::Markdown;
    return std::nullopt;
}

std::optional<ReportFormat> reportFormatNamed(const QString& name) {
    if (name == QLatin1String("json"))
        return ReportFormat::Json;
    if (name == QLatin1String("html"))
        return ReportFormat::Html;
    if (name == QLatin1String("csv"))
        return ReportFormat::Csv;
    if (name == QLatin1String("md") || name == QLatin1String("markdown"))
        return ReportFormat::Markdown;
    return std::nullopt;
}

QString reportFormatNames() {
    return QStringLiteral("json, html, csv, md");
}

QString reportExtensions() {
    return QStringLiteral(".json, .html, .csv, .md");
}

QByteArray renderReport(ReportFormat format, const session::SessionData& data, const ReportOptions& options) {
    switch (format) {
    case ReportFormat::Json:
        return toJsonReport(data.info, data.snapshot);
    case ReportFormat::Html:
        return toHtmlReport(data.info, data.snapshot);
    case ReportFormat::Csv:
        return toCsvReport(data, options.csvTable);
    case ReportFormat::Markdown:
        return toMarkdownReport(data);
    }
    return {};
}

} // namespace coroscope
