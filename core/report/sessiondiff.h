#pragma once

#include "reading/sessionreader.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace coroscope {

/// What a change in one row means, given the tolerance.
enum class DiffVerdict {
    Unchanged,   ///< within the tolerance
    Regression,  ///< worse by more than the tolerance
    Improvement, ///< better by more than the tolerance
    Info,        ///< not judged: neither direction is better (task totals, RSS) or one side lacks it
};
/// "unchanged", "regression", "improvement", "info": the spelling the JSON diff uses.
QString diffVerdictName(DiffVerdict verdict);

/// The unit of a row's values: durations are kept in ns, sizes in bytes.
enum class DiffUnit { Nanoseconds, Bytes, BytesPerSecond, Count, Fraction };

/// One compared quantity.
struct DiffRow {
    QString section; ///< "latency", "loop", "slow callbacks", "tasks", "diagnostics", "memory", "run"
    QString subject; ///< the latency metric's name, from the script (so: anything); empty otherwise
    QString what;    ///< e.g. "p99", "lag max", "failed"
    DiffUnit unit = DiffUnit::Count;
    std::optional<double> a; ///< nothing: this session does not have it (a metric it never recorded)
    std::optional<double> b;
    bool judged = false;   ///< lower is better, and the row gets a verdict against the tolerance
    double noiseFloor = 0; ///< a change smaller than this, in the row's unit, is unchanged whatever its ratio
    DiffVerdict verdict = DiffVerdict::Info;
    QString detailA; ///< context, e.g. the worst slow callback's task and location
    QString detailB;

    /// b - a, when both are there.
    std::optional<double> delta() const;
    /// b / a, when both are there and a is not 0. From 0 to anything above it is an infinite
    /// ratio: nothing here (a renderer shows "new"), and a regression in a judged row.
    std::optional<double> ratio() const;
};

/// Two sessions side by side. A is the baseline, B the candidate: "regression" means B is worse.
struct SessionDiff {
    QString pathA, pathB;
    RunInfo runA, runB;
    bool finishedA = true, finishedB = true;
    /// What each side's figures do not include (incompleteDataNotes()): a row compared with an
    /// incomplete side is compared with a lower bound.
    QStringList incompleteA, incompleteB;
    double tolerance = 0.10; ///< relative: a change counts when |b - a| > tolerance · a
    std::vector<DiffRow> rows;

    std::size_t count(DiffVerdict verdict) const;
};

/// Compares `a` and `b`: every latency metric of either (count, mean, p50 … p99.9, max), the loop
/// lag (p50, p90, p99, max) and utilization, slow callbacks (count, worst), tasks (total, the
/// states either run has, failed always), error and warning diagnostics, memory (RSS start, peak,
/// end, growth) and the run's duration. Judged, lower being better: latency (not its count), lag
/// (changes under 1 ms are noise), slow callbacks, failed tasks, diagnostics, memory growth.
SessionDiff diffSessions(const session::SessionData& a, const session::SessionData& b,
                         double tolerance = 0.10);

/// "+12.5 ms", "-1.5 KiB", "+3": a row's delta in its unit.
QString formatDiffValue(DiffUnit unit, double value, bool signedValue = false);

/// "2.00×"; "new" from 0 to more; "—" with no ratio.
QString formatDiffRatio(const DiffRow& row);
/// "2 regressions, 1 improvement, 30 unchanged (tolerance 10 %)".
QString diffSummary(const SessionDiff& diff);
/// Aligned columns for a terminal: what, A, B, delta, ratio, verdict; a summary line last.
QString diffText(const SessionDiff& diff);
/// `coroscope-diff/1` (docs/report-formats.md, Diff): indented UTF-8 JSON.
QByteArray diffJson(const SessionDiff& diff);
/// A GitHub-flavoured Markdown table for pull-request comments.
QByteArray diffMarkdown(const SessionDiff& diff);
/// A self-contained HTML page (no scripts, no network), regressions and improvements coloured.
QByteArray diffHtml(const SessionDiff& diff);

/// The JSON diff's schema name.
inline constexpr char kDiffJsonSchema[] = "coroscope-diff/1";

} // namespace coroscope
