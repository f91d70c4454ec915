#pragma once

namespace coroscope::app {

/// `coroscope run SCRIPT [options]`: runs a workload script headless on the instrumented loop,
/// prints a summary on stderr, writes the requested reports and checks --fail-on budgets against
/// the recorded session (docs/ci.md). Exit codes: 0 completed (or --duration elapsed), 1 main
/// threw, 2 bad input (or an output that could not be written), 3 a budget violated, 4 interrupted
/// or a limit. Precedence: 2 over 1 over 4 over 3: a run that failed or stopped outranks its budgets.
int runCommand(int argc, char** argv);

} // namespace coroscope::app
