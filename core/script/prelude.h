#pragma once

namespace coroscope::script {

/// The JavaScript half of the script API (see docs/scripting.md once written).
extern const char* const kPrelude;

} // namespace coroscope::script
