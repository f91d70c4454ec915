// Every public header of the SDK, each compiled here: a header the installed tree lacks, or one
// that needs a definition only this tree's build sets, fails the build of this project.
#include <coroscope/instrumentedapplication.h>
#include <coroscope/profiler.h>
#include <coroscope/sleep.h>
#include <coroscope/task.h>
