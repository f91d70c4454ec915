#pragma once

#include <QString>

#include <vector>

namespace coroscope::script {

/// Marks every `yield` of a script with its line, so the runtime knows which yield a generator
/// resumed from (QJSEngine 6.4 cannot tell): `yield X` becomes `yield __L.atN = X`, where
/// `__L.atN` is a native setter that tells the runtime "line N" (hostbuiltins.cpp) and the
/// assignment's value is X: it runs after X is evaluated, so a step's last mark is its yield's.
/// Lines and line breaks are kept, so error lines stay right. Strings, template literals,
/// comments and regular expressions are skipped; `yield*` is left alone.
struct MarkedSource {
    QString source;
    std::vector<int> yieldLines; ///< distinct lines that have a marked yield
};

MarkedSource markYields(const QString& source);

} // namespace coroscope::script
