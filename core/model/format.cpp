#include "model/format.h"

#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace coroscope {

QString formatDuration(std::int64_t nanos) {
    const double ns = double(nanos);
    const double magnitude = std::abs(ns);
    if (magnitude < 1e3)
        return QString::number(nanos) + QStringLiteral(" ns");
    if (magnitude < 1e6)
        return QString::number(ns / 1e3, 'f', magnitude < 1e4 ? 1 : 0) + QStringLiteral(" µs");
    if (magnitude < 1e9)
        return QString::number(ns / 1e6, 'f', magnitude < 1e7 ? 2 : (magnitude < 1e8 ? 1 : 0)) +
               QStringLiteral(" ms");
    if (magnitude < 60e9)
        return QString::number(ns / 1e9, 'f', 2) + QStringLiteral(" s");
    const auto seconds = std::int64_t(ns / 1e9);
    return QString::number(seconds / 60) + QStringLiteral(" min ") + QString::number(seconds % 60) +
           QStringLiteral(" s");
}

QString formatBytes(double bytes) {
    const double magnitude = std::abs(bytes);
    if (magnitude < 1024)
        return QString::number(bytes, 'f', 0) + QStringLiteral(" B");
    if (magnitude < 1024.0 * 1024)
        return QString::number(bytes / 1024, 'f', 1) + QStringLiteral(" KiB");
    if (magnitude < 1024.0 * 1024 * 1024)
        return QString::number(bytes / (1024.0 * 1024), 'f', 1) + QStringLiteral(" MiB");
    return QString::number(bytes / (1024.0 * 1024 * 1024), 'f', 2) + QStringLiteral(" GiB");
}

std::optional<std::chrono::nanoseconds> parseDuration(const QString& text) {
    static const QRegularExpression pattern(
        QStringLiteral("^\\s*(\\d+(?:\\.\\d+)?)\\s*(ns|us|µs|ms|s|m|min|h)?\\s*$"));
    const QRegularExpressionMatch m = pattern.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    const double value = m.captured(1).toDouble();
    const QString unit = m.captured(2);
    double nanos = value * 1e9;
    if (unit == QLatin1String("ns"))
        nanos = value;
    else if (unit == QLatin1String("us") || unit == QStringLiteral("µs"))
        nanos = value * 1e3;
    else if (unit == QLatin1String("ms"))
        nanos = value * 1e6;
    else if (unit == QLatin1String("m") || unit == QLatin1String("min"))
        nanos = value * 60e9;
    else if (unit == QLatin1String("h"))
        nanos = value * 3600e9;
    if (nanos > 1e18)
        return std::nullopt;
    return std::chrono::nanoseconds(std::int64_t(nanos));
}

std::optional<std::int64_t> parseBytes(const QString& text) {
    static const QRegularExpression pattern(
        QStringLiteral("^\\s*(\\d+(?:\\.\\d+)?)\\s*(B|K|KB|KiB|M|MB|MiB|G|GB|GiB|T|TB|TiB)?\\s*$"),
        QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch m = pattern.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    const QChar unit = m.captured(2).isEmpty() ? u'B' : m.captured(2).at(0).toUpper();
    double bytes = m.captured(1).toDouble();
    const QString units = QStringLiteral("BKMGT");
    for (qsizetype i = 0; i < units.indexOf(unit); ++i)
        bytes *= 1024;
    if (bytes > 9e18)
        return std::nullopt;
    return std::int64_t(bytes);
}

QString escapeForTerminal(const QString& text) {
    const auto isBidiControl = [](char16_t c) {
        return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
               (c >= 0x2066 && c <= 0x2069);
    };
    const auto needsEscape = [&](QChar c) {
        const char16_t u = c.unicode();
        return (u < 0x20 && u != u'\n' && u != u'\t') || (u >= 0x7F && u <= 0x9F) || isBidiControl(u);
    };
    if (std::none_of(text.begin(), text.end(), needsEscape))
        return text;
    QString out;
    out.reserve(text.size() + 16);
    for (const QChar c : text) {
        if (!needsEscape(c))
            out += c;
        else if (c.unicode() <= 0xFF)
            out += QStringLiteral("\\x%1").arg(int(c.unicode()), 2, 16, QLatin1Char('0'));
        else
            out += QStringLiteral("\\u%1").arg(int(c.unicode()), 4, 16, QLatin1Char('0'));
    }
    return out;
}

} // namespace coroscope
