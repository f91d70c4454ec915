#pragma once

// Runs a workload script in-process on this thread's instrumented loop, for the script tests.
#include "script/scriptruntime.h"
#include "testsupport.h"

#include <functional>

namespace coroscope::test {

struct ScriptRun {
    std::unique_ptr<script::ScriptRuntime> runtime; // owns the JS engine the results live in
    std::shared_ptr<script::ScriptFuture> main;
    RunSnapshot snapshot;
    QStringList log;
};

inline ScriptRun runScript(const QString& source, Settings settings = {},
                           std::function<void(script::ScriptRuntime&)> setup = {}) {
    using namespace std::chrono_literals;
    Profiler profiler(settings);
    profiler.start();
    spinUntil([&] { return profiler.isWatchdogReady(); });
    ScriptRun run;
    run.runtime = std::make_unique<script::ScriptRuntime>();
    if (setup)
        setup(*run.runtime);
    const auto error = run.runtime->loadSource(source, QStringLiteral("/scripts/test.js"));
    if (error)
        qFatal("load failed: %s", qPrintable(error->toString()));
    run.main = run.runtime->startMain();
    spinUntil([&] { return run.main->isDone(); }, 10s);
    run.runtime->cancelAll();
    spinUntil([] { return false; }, 20ms); // let cancelled tasks unwind
    profiler.stop();
    run.snapshot = profiler.snapshot();
    run.log = run.runtime->logLines();
    return run;
}

inline const TaskInfo* taskNamed(const RunSnapshot& s, const QString& name) {
    for (const TaskInfo& t : s.tasks)
        if (t.name == name)
            return &t;
    return nullptr;
}

} // namespace coroscope::test
