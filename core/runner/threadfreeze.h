#pragma once

#include <chrono>
#include <pthread.h>

namespace coroscope {

/// Stops `thread` where it is, for good: it waits in a signal handler until the process ends.
///
/// The runner guard's last resort, when the loop is stuck in native code the JS engine cannot
/// interrupt (a builtin filling a 2^31-element array, a blocking syscall): the thread stops
/// allocating and touching the profiler's state while the guard finishes the session from its
/// own thread. Returns false if the thread had not stopped after `wait`.
bool freezeThread(pthread_t thread, std::chrono::milliseconds wait);

/// Ends the process with `code` after `delay`, whatever else is stuck: a frozen thread may hold a
/// lock the guard's own work then waits for. Starts a detached thread; never returns to it.
void exitAfter(std::chrono::milliseconds delay, int code);

} // namespace coroscope
