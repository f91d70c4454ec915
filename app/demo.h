#pragma once

namespace coroscope::app {

/// `coroscope demo`: a native workload with known problems (a blocking call, an exception
/// nobody retrieves, a stuck task) run on the instrumented loop; prints the findings.
int runDemo(int argc, char** argv);

} // namespace coroscope::app
