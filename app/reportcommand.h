#pragma once

namespace coroscope::app {

/// `coroscope report SESSION -o FILE [--format F] [--table T] [--fail-on EXPR]... [--junit FILE]`:
/// turns a recorded session (finished, or one whose runner was killed, or one still being written)
/// into a report and checks budgets against it (docs/ci.md). Exit codes: 0 written, 2 bad input
/// (options, a malformed budget, a missing, foreign, newer or damaged session, an unwritable
/// output), 3 a budget violated.
int reportCommand(int argc, char** argv);

} // namespace coroscope::app
