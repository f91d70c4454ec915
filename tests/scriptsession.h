#pragma once
// Runs a script to its end in the test's own process, recording its session: the ground truth
// tests of the profiles (await sites, spawn sites) read what a real run recorded.

#include "runner/workloadrun.h"
#include "testsupport.h"

#include <QFile>
#include <QTemporaryDir>

namespace coroscope::test {

struct ScriptSession {
    QString error;    ///< empty when the run completed and its session was recorded
    QString path;     ///< the session file
    RunSnapshot live; ///< the run's own snapshot at its end
};

/// Writes `source` to `dir`/`fileName` and runs it, recording `dir`/`fileName`.coroscope.
inline ScriptSession runScriptToSession(const QTemporaryDir& dir, const QString& fileName,
                                        const QByteArray& source) {
    ScriptSession out;
    const QString script = dir.filePath(fileName);
    QFile file(script);
    if (!file.open(QIODevice::WriteOnly) || file.write(source) != source.size()) {
        out.error = QStringLiteral("cannot write ") + script;
        return out;
    }
    file.close();
    out.path = script + QStringLiteral(".coroscope");
    WorkloadRun run(RunOptions{.script = script});
    if (run.load() || run.recordSession(out.path)) {
        out.error = QStringLiteral("cannot load or record ") + script;
        return out;
    }
    bool done = false;
    QCoro::Task<> running = run.run().then([&](RunStatus) { done = true; });
    if (!spinUntil([&] { return done; }, std::chrono::seconds(30))) {
        out.error = script + QStringLiteral(" did not finish in 30 s");
        return out;
    }
    out.live = run.snapshot();
    return out;
}

} // namespace coroscope::test
