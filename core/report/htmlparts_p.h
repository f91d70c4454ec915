#pragma once
// Building blocks of the HTML report, shared by its section files. Every string that may come
// from a script goes through esc() or attr(): escaped and bounded.

#include "model/format.h"
#include "model/histogram.h"
#include "report/scriptlocation.h"

#include <QString>

#include <cmath>
#include <cstdint>

namespace coroscope::html {

inline constexpr qsizetype kCellLimit = 4 * 1024; // characters per cell or sentence part

/// Cut before escaping so an entity is never cut in half, and never between a surrogate pair.
inline QString bounded(const QString& text, qsizetype limit) {
    if (text.size() <= limit)
        return text;
    qsizetype cut = limit;
    if (text.at(cut - 1).isHighSurrogate())
        --cut;
    return text.left(cut) + QStringLiteral(" … (") + QString::number(text.size() - cut) +
           QStringLiteral(" more characters)");
}

/// Escaped and bounded, for element content.
inline QString esc(const QString& text, qsizetype limit = kCellLimit) {
    return bounded(text, limit).toHtmlEscaped();
}
/// A double-quoted attribute value; toHtmlEscaped() escapes '"', so the value cannot end the quotes.
inline QString attr(const QString& text) {
    return u'"' + esc(text) + u'"';
}

inline QString td(const QString& escapedHtml) {
    return QStringLiteral("<td>") + escapedHtml + QStringLiteral("</td>");
}
/// A numeric cell: right-aligned, and sortable by `sortValue` (the table script reads data-v).
inline QString num(const QString& escapedHtml, double sortValue) {
    return QStringLiteral("<td class=\"n\" data-v=\"") + QString::number(sortValue, 'g', 17) +
           QStringLiteral("\">") + escapedHtml + QStringLiteral("</td>");
}
inline QString num(const QString& escapedHtml) {
    return QStringLiteral("<td class=\"n\">") + escapedHtml + QStringLiteral("</td>");
}
inline QString th(const char* label) {
    return QStringLiteral("<th>") + QLatin1String(label) + QStringLiteral("</th>");
}
inline QString dash() {
    return QStringLiteral("—");
}
inline QString durationCell(std::int64_t ns) {
    return num(formatDuration(ns), double(ns));
}
inline QString durationFromMicros(double micros) {
    return formatDuration(std::llround(micros * 1000.0));
}

inline QString taskLabel(std::uint64_t id, const QString& name) {
    if (id == 0)
        return dash();
    const QString shown = name.isEmpty() ? QStringLiteral("(unnamed)") : name;
    return esc(shown) + QStringLiteral(" <span class=\"where\">#") + QString::number(id) +
           QStringLiteral("</span>");
}

inline QString distributionHeader() {
    return th("Count") + th("Mean") + th("Min") + th("p50") + th("p90") + th("p95") + th("p99") +
           th("p99.9") + th("Max");
}

inline QString distributionCells(const Histogram& micros) {
    const PercentileSummary s = micros.summary();
    QString cells = num(QString::number(s.count), double(s.count));
    for (const double v : {s.mean, double(s.min), double(s.p50), double(s.p90), double(s.p95), double(s.p99),
                           double(s.p999), double(s.max)})
        cells += s.count ? num(durationFromMicros(v), v) : num(dash(), -1);
    return cells;
}

/// The location, linked to its line in the script section when it is in the script.
inline QString locationLink(const QString& location, const QString& scriptFile) {
    if (location.isEmpty())
        return dash();
    const int line = lineInScript(location, scriptFile);
    if (line == 0)
        return esc(location);
    return QStringLiteral("<a href=\"#L") + QString::number(line) + QStringLiteral("\">") + esc(location) +
           QStringLiteral("</a>");
}

} // namespace coroscope::html
