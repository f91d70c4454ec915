#pragma once

namespace coroscope::app {

/// `coroscope --screenshots DIR FILE`: opens FILE (a script, example:NAME or a session) in the
/// window, runs a script to its end, then saves one PNG per panel and the whole window into DIR
/// — what README and docs/ show. Offscreen when there is no display.
int screenshotCommand(int argc, char** argv);

} // namespace coroscope::app
