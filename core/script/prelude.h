#pragma once

#include <QString>

namespace coroscope::script {

/// The JavaScript half of the script API, ready to evaluate (the await op codes filled in);
/// docs/scripting.md documents it (and a test runs its examples).
const QString& preludeSource();

} // namespace coroscope::script
