#pragma once

namespace coroscope::app {

/// `coroscope run SCRIPT [options]`: runs a workload script headless on the instrumented loop,
/// prints a summary on stderr and writes the requested reports. Exit codes: 0 completed (or
/// --duration elapsed), 1 main threw, 2 bad input, 3 budgets (reserved), 4 interrupted or a limit.
int runCommand(int argc, char** argv);

} // namespace coroscope::app
