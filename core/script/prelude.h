#pragma once

namespace coroscope::script {

/// The JavaScript half of the script API; docs/scripting.md documents it (and a test runs its
/// examples).
extern const char* const kPrelude;

} // namespace coroscope::script
