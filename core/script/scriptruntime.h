#pragma once

#include "script/scriptfuture.h"
#include "task.h"

#include <QJSEngine>
#include <QObject>

#include <memory>
#include <optional>
#include <unordered_map>

namespace coroscope::script {

/// Where a script went wrong before it could run: file, line, column (0 when unknown), cause.
struct ScriptLoadError {
    QString file;
    int line = 0;
    int column = 0;
    QString message; ///< "SyntaxError: Expected token `numeric literal'"
    QString toString() const;
};

/// Runs a workload script: generator functions are coroutines, `yield X` awaits X, and every
/// spawned generator is a traced coroscope::Task driven on the current (instrumented) loop.
///
/// Exposed to JavaScript as `__host`; the public script API (sleep, spawn, gather, ...) is the
/// prelude (src/script/prelude.cpp) built on it. Lives on the loop thread.
class ScriptRuntime : public QObject {
    Q_OBJECT
public:
    ScriptRuntime();
    ~ScriptRuntime() override;

    /// Evaluates the script (defining `main`); nothing runs yet. An error names file and line.
    std::optional<ScriptLoadError> load(const QString& path);
    std::optional<ScriptLoadError> loadSource(const QString& source, const QString& fileName);

    /// Spawns `main` as the task "main". Its future resolves, fails or is cancelled when it ends.
    std::shared_ptr<ScriptFuture> startMain();

    /// Cancels every script task still running (graceful stop).
    int cancelAll();

    QJSEngine& engine() { return m_engine; }
    QStringList logLines() const { return m_log; }

    // --- the host API the prelude calls ------------------------------------------------------
    Q_INVOKABLE double spawn(const QString& name, const QJSValue& function, const QJSValue& arguments,
                             const QString& where);
    Q_INVOKABLE double spawnGenerator(const QString& name, const QJSValue& generator, const QString& where);
    Q_INVOKABLE void cancelTask(double id);
    Q_INVOKABLE bool taskDone(double id) const;
    Q_INVOKABLE QString taskState(double id) const;
    Q_INVOKABLE void blockFor(double ms, const QString& where);
    Q_INVOKABLE void burn(double ms, const QString& where);
    Q_INVOKABLE void log(const QString& line);
    Q_INVOKABLE double now() const;

Q_SIGNALS:
    void logged(const QString& line);

private:
    struct Entry {
        std::shared_ptr<ScriptFuture> future;
        Task<> task;
    };
    std::uint64_t startTask(const QString& name, QJSValue generator, const QString& where);
    Task<> drive(std::shared_ptr<ScriptFuture> future, QJSValue generator);
    QJSValue makeError(const QString& name, const QString& message);
    QString describeError(const QJSValue& error) const;
    std::shared_ptr<ScriptFuture> futureOf(const QJSValue& taskObject) const;

    QJSEngine m_engine;
    QJSValue m_next;  ///< Generator.prototype.next
    QJSValue m_throw; ///< Generator.prototype.throw
    std::unordered_map<std::uint64_t, Entry> m_tasks;
    QStringList m_log;
    qint64 m_startNs = 0;
};

} // namespace coroscope::script
