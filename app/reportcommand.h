#pragma once

namespace coroscope::app {

/// `coroscope report SESSION -o FILE [--format F] [--table T]`: turns a recorded session (finished, or one
/// whose runner was killed, or one still being written) into a report. Exit codes: 0 written,
/// 2 bad input (options, a missing, foreign, newer or damaged session, an unwritable output).
int reportCommand(int argc, char** argv);

} // namespace coroscope::app
