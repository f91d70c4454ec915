#include "report/reportformat.h"

#include "report/chrometrace.h"
#include "report/cpuprofileanalysis.h"
#include "report/htmlreport.h"
#include "report/jsonreport.h"
#include "report/markdownreport.h"

#include <QIODevice>

namespace coroscope {

std::optional<ReportFormat> reportFormatForPath(const QString& path) {
    // Before .json, which it also ends with.
    if (path.endsWith(QLatin1String(".trace.json"), Qt::CaseInsensitive))
        return ReportFormat::ChromeTrace;
    if (path.endsWith(QLatin1String(".speedscope.json"), Qt::CaseInsensitive))
        return ReportFormat::Speedscope;
    if (path.endsWith(QLatin1String(".folded"), Qt::CaseInsensitive))
        return ReportFormat::Folded;
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
    if (name == QLatin1String("chrome"))
        return ReportFormat::ChromeTrace;
    if (name == QLatin1String("folded"))
        return ReportFormat::Folded;
    if (name == QLatin1String("speedscope"))
        return ReportFormat::Speedscope;
    return std::nullopt;
}

QString reportFormatNames() {
    return QStringLiteral("json, html, csv, md, chrome, folded, speedscope");
}

QString reportExtensions() {
    return QStringLiteral(".json, .html, .csv, .md, .trace.json, .folded, .speedscope.json");
}

QByteArray renderReport(ReportFormat format, const session::SessionData& data, const ReportOptions& options) {
    switch (format) {
    case ReportFormat::Json:
        return toJsonReport(data.info, data.snapshot, data.warnings, data.cpuProfile, &data.spawnSites);
    case ReportFormat::Html:
        return toHtmlReport(data);
    case ReportFormat::Csv:
        return toCsvReport(data, options.csvTable);
    case ReportFormat::Markdown:
        return toMarkdownReport(data);
    case ReportFormat::ChromeTrace:
        return toChromeTrace(data);
    case ReportFormat::Folded:
        return toFoldedStacks(data.cpuProfile);
    case ReportFormat::Speedscope:
        return toSpeedscope(data.cpuProfile, !data.info.script.isEmpty() ? data.info.script
                                             : !data.info.launchedProgram.isEmpty()
                                                 ? data.info.launchedProgram
                                                 : data.path);
    }
    return {};
}

std::optional<QString> writeReport(ReportFormat format, const session::SessionData& data, QIODevice& out,
                                   const ReportOptions& options) {
    try {
        bool written = false;
        if (format == ReportFormat::ChromeTrace) {
            written = writeChromeTrace(data, out);
        } else {
            const QByteArray bytes = renderReport(format, data, options);
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
