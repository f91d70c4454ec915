#pragma once

#include "reading/sessionreader.h"

#include <QByteArray>
#include <QString>

namespace coroscope {

/// Markdown pieces for text from the profiled program (names, locations, messages, stacks), which
/// may contain anything. Shared by the Markdown report and the Markdown diff.
namespace markdown {

/// Inline prose: HTML specials entity-encoded (so no tag or comment can be injected into a rendered
/// page), the characters that open inline constructs (` * _ [ ] | ~ \) backslash-escaped, line
/// breaks and other control characters flattened to spaces, at most `limit` characters kept.
QString text(const QString& raw, qsizetype limit = 200);

/// A code span: shown verbatim (no emphasis, links, HTML or @mentions inside), delimited by more
/// backticks than the longest run in it; line breaks flattened, at most `limit` characters kept.
/// `inTable`: with `|` escaped, which a GFM table needs even inside a code span. "—" when empty.
QString code(const QString& raw, qsizetype limit = 200, bool inTable = false);

/// A fenced code block of `lines`, each bounded, with a fence no line can close early.
QString codeBlock(const QStringList& lines, qsizetype lineLimit = 300);

} // namespace markdown

/// The Markdown summary of one run, for CI logs and pull-request comments: a headline (script,
/// status, duration), verdicts (slow callbacks, failed tasks, memory growth, diagnostics), the
/// latency table with the loop lag, and the worst 10 slow callbacks with their top stack frames.
/// GitHub-flavoured (pipe tables), bounded in size well below a PR comment's 65 536 characters.
QByteArray toMarkdownReport(const session::SessionData& data);

} // namespace coroscope
