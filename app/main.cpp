// coroscope: the command-line entry point. Without a command (or with a script or session to
// open) the desktop app; the subcommands run headless. docs/cli.md documents every option here
// and in each subcommand's --help; tests/test_helpdocs.cpp keeps the two in step.
#include "demo.h"
#include "diffcommand.h"
#include "examplescommand.h"
#include "guicommand.h"
#include "launchcommand.h"
#include "reportcommand.h"
#include "runcommand.h"
#include "screenshotcommand.h"

#include <cstdio>
#include <cstring>

namespace {

constexpr const char* kUsage = R"(Usage: coroscope [FILE]
       coroscope <command> [options]

Coroscope: a profiler and debugger for asynchronous Qt / QCoro code.

Without a command: the desktop app, opening FILE if given (a script .js or example:NAME,
or a session .coroscope).

Commands:
  run SCRIPT [options]         Run a workload script (JavaScript) headless on the instrumented
                               event loop; print a summary, write --report FILE (.json,
                               .html, .csv, .md, .trace.json). Records a session (--session
                               FILE, or a new file under $XDG_DATA_HOME/coroscope/sessions).
                               --fail-on EXPR fails the run (exit 3) on a budget.
                               See coroscope run --help.
  launch [options] -- PROGRAM [ARGS...]
                               Run an unmodified Qt 6 program with the probe preloaded and
                               record its event loop into a session, as run does for a
                               script: slow callbacks with their stacks, loop lag, memory.
                               See coroscope launch --help.
  report SESSION -o FILE       Write a report (.json, .html, .csv, .md, .trace.json) from a
                               recorded session, or check --fail-on budgets on it.
                               See coroscope report --help.
  diff A B [-o FILE]           Compare two sessions: latency percentiles, slow callbacks,
                               tasks, memory, loop lag; mark regressions and improvements
                               beyond --tolerance (default 10%). See coroscope diff --help.
  demo [--slow-threshold T]    Run a native demo workload with planted problems on the
                               instrumented event loop, headless, and print what Coroscope
                               found. See coroscope demo --help.
  examples [NAME] [options]    List the built-in workload examples (run one with
                               coroscope run example:NAME), print one, or write them all
                               to a directory (--extract DIR). See coroscope examples --help.

Options:
  -h, --help                   Show this help.
  --version                    Show the version.
  --screenshots DIR FILE [--size WxH] [--dark]
                               Open FILE in the window (offscreen without a display), run a
                               script to its end, and save a PNG of each view into DIR, at
                               WxH (default 1600x1000), in a dark palette with --dark.
)";

} // namespace

int main(int argc, char** argv) {
    if (argc < 2)
        return coroscope::app::guiCommand(argc, argv, QString());
    if (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (argc == 2 && coroscope::app::opensInGui(argv[1]))
        return coroscope::app::guiCommand(argc, argv, QString::fromLocal8Bit(argv[1]));
    if (std::strcmp(argv[1], "--screenshots") == 0)
        return coroscope::app::screenshotCommand(argc, argv);
    if (std::strcmp(argv[1], "--version") == 0) {
        std::printf("coroscope %s\n", COROSCOPE_VERSION);
        return 0;
    }
    if (std::strcmp(argv[1], "run") == 0)
        return coroscope::app::runCommand(argc, argv);
    if (std::strcmp(argv[1], "launch") == 0)
        return coroscope::app::launchCommand(argc, argv);
    if (std::strcmp(argv[1], "report") == 0)
        return coroscope::app::reportCommand(argc, argv);
    if (std::strcmp(argv[1], "diff") == 0)
        return coroscope::app::diffCommand(argc, argv);
    if (std::strcmp(argv[1], "demo") == 0)
        return coroscope::app::runDemo(argc - 1, argv + 1);
    if (std::strcmp(argv[1], "examples") == 0)
        return coroscope::app::examplesCommand(argc, argv);
    std::fprintf(stderr, "coroscope: unknown command '%s' (see coroscope --help)\n", argv[1]);
    return 2;
}
