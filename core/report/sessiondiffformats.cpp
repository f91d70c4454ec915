// The file renderers of a SessionDiff: JSON (coroscope-diff/1), Markdown and HTML. The text one
// is next to the model, in sessiondiff.cpp.
#include "model/format.h"
#include "report/markdownreport.h"
#include "report/sessiondiff.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>

#include <cmath>

namespace coroscope {

namespace {

// ---- JSON ----

QString unitName(DiffUnit unit) {
    switch (unit) {
    case DiffUnit::Nanoseconds:
        return QStringLiteral("ms");
    case DiffUnit::Bytes:
        return QStringLiteral("bytes");
    case DiffUnit::BytesPerSecond:
        return QStringLiteral("bytes_per_s");
    case DiffUnit::Count:
        return QStringLiteral("count");
    case DiffUnit::Fraction:
        return QStringLiteral("fraction");
    }
    return {};
}

// In the JSON report's units: ms rounded to µs, like every `_ms` key there.
QJsonValue jsonValue(DiffUnit unit, const std::optional<double>& v) {
    if (!v || !std::isfinite(*v))
        return QJsonValue(QJsonValue::Null);
    if (unit == DiffUnit::Nanoseconds)
        return std::round(*v / 1e3) / 1e3;
    if (unit == DiffUnit::Count || unit == DiffUnit::Bytes)
        return qint64(std::llround(*v));
    return *v;
}

QJsonObject sideObject(const QString& path, const RunInfo& run, bool finished,
                       const QStringList& incomplete) {
    QJsonObject params;
    for (const auto& [name, value] : run.params)
        params.insert(name, value);
    return QJsonObject{
        {QStringLiteral("session"), path},
        {QStringLiteral("script"), run.script},
        {QStringLiteral("status"), runStatusName(run.status)},
        {QStringLiteral("finished"), finished},
        {QStringLiteral("duration_ms"), std::round(double(run.durationNs) / 1e3) / 1e3},
        {QStringLiteral("params"), params},
        {QStringLiteral("incomplete_data"), QJsonArray::fromStringList(incomplete)},
    };
}

// ---- Markdown and HTML ----

QString fileName(const QString& path) {
    return path.isEmpty() ? QStringLiteral("(no file)") : QFileInfo(path).fileName();
}

QString valueText(const DiffRow& r, const std::optional<double>& v) {
    return v ? formatDiffValue(r.unit, *v) : QStringLiteral("—");
}
QString deltaText(const DiffRow& r) {
    return r.delta() ? formatDiffValue(r.unit, *r.delta(), true) : QStringLiteral("—");
}

QString markdownIncomplete(const char* label, const QStringList& notes) {
    QString lines;
    for (const QString& note : notes)
        lines += QStringLiteral("⚠️ ") + QLatin1String(label) + QStringLiteral(" incomplete data: ") +
                 markdown::text(note, 400) + QStringLiteral("  \n");
    return lines;
}

QString markdownSide(const char* label, const QString& path, const RunInfo& run, bool finished) {
    QStringList params;
    for (const auto& [k, v] : run.params)
        params << markdown::code(k + u'=' + v, 80);
    return QLatin1String(label) + markdown::code(fileName(path)) + QStringLiteral(" — ") +
           markdown::code(run.script) + QStringLiteral(", ") + runStatusName(run.status) +
           QStringLiteral(" after ") + formatDuration(run.durationNs) +
           (params.isEmpty() ? QString() : QStringLiteral(", params ") + params.join(QStringLiteral(" "))) +
           (finished ? QString() : QStringLiteral(" (**unfinished session**)")) + QStringLiteral("  \n");
}

QString markdownRow(const DiffRow& r) {
    const QString marker = r.verdict == DiffVerdict::Regression    ? QStringLiteral("🔴")
                           : r.verdict == DiffVerdict::Improvement ? QStringLiteral("🟢")
                                                                   : QString();
    QString what = (r.subject.isEmpty() ? QString() : markdown::code(r.subject, 80, true) + u' ') + r.what;
    if (!r.detailA.isEmpty() || !r.detailB.isEmpty())
        what += QStringLiteral(" (A: ") + markdown::code(r.detailA, 80, true) + QStringLiteral("; B: ") +
                markdown::code(r.detailB, 80, true) + u')';
    const QString verdict = r.verdict == DiffVerdict::Regression || r.verdict == DiffVerdict::Improvement
                                ? QStringLiteral("**") + diffVerdictName(r.verdict) + QStringLiteral("**")
                                : (r.verdict == DiffVerdict::Info ? QString() : diffVerdictName(r.verdict));
    return QStringLiteral("| ") + marker + QStringLiteral(" | ") + r.section + QStringLiteral(" | ") + what +
           QStringLiteral(" | ") + valueText(r, r.a) + QStringLiteral(" | ") + valueText(r, r.b) +
           QStringLiteral(" | ") + deltaText(r) + QStringLiteral(" | ") + formatDiffRatio(r) +
           QStringLiteral(" | ") + verdict + QStringLiteral(" |\n");
}

// UTF-8 (the Δ): read with QString::fromUtf8, never QLatin1String.
const char kMarkdownHeader[] = "|  | Section | What | A | B | Δ | Ratio | Verdict |\n"
                               "|---|---|---|--:|--:|--:|--:|---|\n";

const char kStyle[] = R"css(
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 78em; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.regression td { background: #fce8e6; }
tr.regression td.verdict { color: #b3261e; font-weight: bold; }
tr.improvement td { background: #e6f4ea; }
tr.improvement td.verdict { color: #137333; font-weight: bold; }
tr.section th { background: #fafafa; font-weight: normal; font-style: italic; }
.where, .note { color: #666; }
)css";

QString esc(const QString& text, qsizetype limit = 300) {
    QString shown = text;
    if (shown.size() > limit) {
        qsizetype cut = limit;
        if (shown.at(cut - 1).isHighSurrogate())
            --cut;
        shown = shown.left(cut) + QStringLiteral("…");
    }
    return shown.toHtmlEscaped();
}

QString htmlSide(const char* label, const QString& path, const RunInfo& run, bool finished) {
    QStringList params;
    for (const auto& [k, v] : run.params)
        params << esc(k + u'=' + v, 100);
    return QStringLiteral("<tr><th>") + QLatin1String(label) + QStringLiteral("</th><td>") + esc(path) +
           QStringLiteral("</td><td>") + esc(run.script) + QStringLiteral("</td><td>") +
           runStatusName(run.status) + (finished ? QString() : QStringLiteral(" (unfinished session)")) +
           QStringLiteral("</td><td class=\"n\">") + formatDuration(run.durationNs) +
           QStringLiteral("</td><td>") + params.join(QStringLiteral("<br>")) + QStringLiteral("</td></tr>\n");
}

QString htmlIncomplete(const char* label, const QStringList& notes) {
    QString h;
    for (const QString& note : notes)
        h += QStringLiteral("<p class=\"note\"><strong>") + QLatin1String(label) +
             QStringLiteral(" incomplete data:</strong> ") + esc(note, 400) + QStringLiteral("</p>\n");
    return h;
}

} // namespace

QByteArray diffJson(const SessionDiff& diff) {
    QJsonArray rows;
    for (const DiffRow& r : diff.rows) {
        const auto ratio = r.ratio();
        rows.append(QJsonObject{
            {QStringLiteral("section"), r.section},
            {QStringLiteral("metric"),
             r.subject.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(r.subject)},
            {QStringLiteral("what"), r.what},
            {QStringLiteral("unit"), unitName(r.unit)},
            {QStringLiteral("a"), jsonValue(r.unit, r.a)},
            {QStringLiteral("b"), jsonValue(r.unit, r.b)},
            {QStringLiteral("delta"), jsonValue(r.unit, r.delta())},
            {QStringLiteral("ratio"),
             ratio && std::isfinite(*ratio) ? QJsonValue(*ratio) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("judged"), r.judged},
            {QStringLiteral("verdict"), diffVerdictName(r.verdict)},
            {QStringLiteral("detail_a"),
             r.detailA.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(r.detailA)},
            {QStringLiteral("detail_b"),
             r.detailB.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(r.detailB)},
        });
    }
    const QJsonObject root{
        {QStringLiteral("schema"), QLatin1String(kDiffJsonSchema)},
        {QStringLiteral("tolerance"), diff.tolerance},
        {QStringLiteral("a"), sideObject(diff.pathA, diff.runA, diff.finishedA, diff.incompleteA)},
        {QStringLiteral("b"), sideObject(diff.pathB, diff.runB, diff.finishedB, diff.incompleteB)},
        {QStringLiteral("summary"),
         QJsonObject{{QStringLiteral("regressions"), qint64(diff.count(DiffVerdict::Regression))},
                     {QStringLiteral("improvements"), qint64(diff.count(DiffVerdict::Improvement))},
                     {QStringLiteral("unchanged"), qint64(diff.count(DiffVerdict::Unchanged))},
                     {QStringLiteral("info"), qint64(diff.count(DiffVerdict::Info))}}},
        {QStringLiteral("rows"), rows},
    };
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

QByteArray diffMarkdown(const SessionDiff& diff) {
    QString md = QStringLiteral("## Coroscope diff: ") + markdown::code(fileName(diff.pathA)) +
                 QStringLiteral(" → ") + markdown::code(fileName(diff.pathB)) + QStringLiteral("\n\n") +
                 markdownSide("**A** (baseline): ", diff.pathA, diff.runA, diff.finishedA) +
                 markdownIncomplete("A", diff.incompleteA) +
                 markdownSide("**B**: ", diff.pathB, diff.runB, diff.finishedB) +
                 markdownIncomplete("B", diff.incompleteB) + QStringLiteral("\n**") + diffSummary(diff) +
                 QStringLiteral("**\n\n");
    // The changes first, where a reviewer looks; every row below, folded on GitHub.
    QString changes;
    for (const DiffRow& r : diff.rows)
        if (r.verdict == DiffVerdict::Regression || r.verdict == DiffVerdict::Improvement)
            changes += markdownRow(r);
    md += changes.isEmpty() ? QStringLiteral("No change beyond the tolerance.\n")
                            : QString::fromUtf8(kMarkdownHeader) + changes;
    md += QStringLiteral("\n<details><summary>All ") + QString::number(diff.rows.size()) +
          QStringLiteral(" rows</summary>\n\n") + QString::fromUtf8(kMarkdownHeader);
    for (const DiffRow& r : diff.rows)
        md += markdownRow(r);
    return (md + QStringLiteral("\n</details>\n")).toUtf8();
}

QByteArray diffHtml(const SessionDiff& diff) {
    QString h =
        QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                       "style-src 'unsafe-inline'\">\n<title>") +
        esc(fileName(diff.pathA)) + QStringLiteral(" → ") + esc(fileName(diff.pathB)) +
        QStringLiteral(" — Coroscope diff</title>\n<style>") + QLatin1String(kStyle) +
        QStringLiteral("</style>\n</head>\n<body>\n<h1>Coroscope diff</h1>\n<p><strong>") +
        esc(diffSummary(diff)) +
        QStringLiteral("</strong></p>\n<table>\n<tr><th></th><th>Session</th><th>Script</th><th>Status</th>"
                       "<th>Duration</th><th>Parameters</th></tr>\n") +
        htmlSide("A", diff.pathA, diff.runA, diff.finishedA) +
        htmlSide("B", diff.pathB, diff.runB, diff.finishedB) + QStringLiteral("</table>\n") +
        htmlIncomplete("A", diff.incompleteA) + htmlIncomplete("B", diff.incompleteB) +
        QStringLiteral("<table>\n<tr><th>What</th><th>A</th><th>B</th><th>Δ</th><th>Ratio</th>"
                       "<th>Verdict</th></tr>\n");
    QString section;
    for (const DiffRow& r : diff.rows) {
        if (r.section != section)
            h += QStringLiteral("<tr class=\"section\"><th colspan=\"6\">") + esc(r.section) +
                 QStringLiteral("</th></tr>\n");
        section = r.section;
        QString what = (r.subject.isEmpty() ? QString() : esc(r.subject, 120) + u' ') + esc(r.what);
        const auto detail = [](const QString& d) -> QString {
            return d.isEmpty()
                       ? QString()
                       : QStringLiteral("<br><span class=\"where\">") + esc(d) + QStringLiteral("</span>");
        };
        h += QStringLiteral("<tr class=\"") + diffVerdictName(r.verdict) + QStringLiteral("\"><td>") + what +
             QStringLiteral("</td><td class=\"n\">") + valueText(r, r.a) + detail(r.detailA) +
             QStringLiteral("</td><td class=\"n\">") + valueText(r, r.b) + detail(r.detailB) +
             QStringLiteral("</td><td class=\"n\">") + deltaText(r) +
             QStringLiteral("</td><td class=\"n\">") + formatDiffRatio(r) +
             QStringLiteral("</td><td class=\"verdict\">") +
             (r.verdict == DiffVerdict::Info ? QString() : diffVerdictName(r.verdict)) +
             QStringLiteral("</td></tr>\n");
    }
    return (h + QStringLiteral("</table>\n</body>\n</html>\n")).toUtf8();
}

} // namespace coroscope
