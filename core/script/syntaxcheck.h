#pragma once

#include <QString>

namespace coroscope::script {

struct SyntaxProblem {
    int line = 0;
    int column = 0;
    QString message;
};

/// Parses `source` as a JavaScript program with Qt's own JS parser (the one QJSEngine uses) to
/// find where a syntax error is: QJSEngine 6.4 reports the line of a syntax error but not its
/// column. Returns the first error, or an empty problem (line 0) if the program parses.
SyntaxProblem checkSyntax(const QString& source);

} // namespace coroscope::script
