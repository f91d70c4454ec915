#pragma once

namespace coroscope::app {

/// `coroscope launch [options] [--] PROGRAM [ARGS...]`: runs an unmodified Qt 6 program with the
/// probe preloaded, records its session as `run` records a script's, then reports and checks
/// budgets the same way. Its exit code is PROGRAM's, unless the input was bad (2) or a budget
/// failed (3).
int launchCommand(int argc, char** argv);

} // namespace coroscope::app
