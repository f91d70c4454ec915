#pragma once

#include "script/scriptfuture.h"
#include <coroscope/task.h>

#include <QJSEngine>
#include <QNetworkAccessManager>
#include <QObject>
#include <QUrl>

#include <atomic>
#include <memory>
#include <optional>
#include <random>
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

    /// The runner received this task's failure (main's): it is not "never retrieved".
    void markRetrieved(const std::shared_ptr<ScriptFuture>& future);

    /// Cancels every script task running at the first call (graceful stop), oldest first, at
    /// most `limit` per call. True while some are left for the next call.
    bool cancelAll(std::size_t limit = SIZE_MAX);

    QJSEngine& engine() { return m_engine; }
    /// From any thread: ends what the script is doing. The engine throws "Interrupted" at its next
    /// instruction, and blockFor(), burn() and offload() return within ~5 ms: they run in C++,
    /// where the engine's own flag is never looked at.
    void interrupt() noexcept;
    /// Lets scripts run again (the runner's cleanup: cancelled tasks run their `finally`).
    void clearInterrupt() noexcept;
    /// "g (work.js:3)": the script function the engine was running, innermost first, read from
    /// the engine's own frames. Only while the loop thread is stopped for good (a crash parked
    /// it): the frames are the loop's, read from another thread.
    QString scriptFrameOfStoppedLoop() const;
    /// Keeps the engine's garbage collections proportional to its live heap (enginetrace.cpp).
    void scaleGarbageCollectionToLiveHeap() noexcept;
    /// The base URL of the loopback server (started on demand) that relative URLs go to.
    QUrl httpBaseUrl();
    QStringList logLines() const { return m_log; }

    // --- the host API the prelude calls ------------------------------------------------------
    /// Starts a task that runs `generator` (the prelude made it and checked it is one); the line
    /// of the script that called the API is its spawn location.
    Q_INVOKABLE double spawnGenerator(const QString& name, const QJSValue& generator);
    Q_INVOKABLE void cancelTask(double id);
    Q_INVOKABLE bool taskDone(double id) const;
    Q_INVOKABLE QString taskState(double id) const;
    Q_INVOKABLE void blockFor(double ms);
    Q_INVOKABLE void burn(double ms);
    Q_INVOKABLE void log(const QString& line);
    Q_INVOKABLE double now() const;
    /// A pending value for the script's own primitives (Queue, Lock, Event, ...): yielded as
    /// {__op: 4, id, label}, delivered by wake(). Returns its id.
    Q_INVOKABLE double newWaiter();
    /// Delivers `value` to waiter `id`; false if nobody waits for it any more (its task was
    /// cancelled), so the primitive gives the value to the next waiter instead.
    Q_INVOKABLE bool wake(double id, const QJSValue& value);
    Q_INVOKABLE double random();
    Q_INVOKABLE void record(const QString& metric, double ms);
    /// Real heap memory, touched so it is resident, attributed to the running task; freed only
    /// by release(id). Returns its id (0 if refused: the script gets a RangeError).
    Q_INVOKABLE double alloc(double bytes);
    Q_INVOKABLE void release(double id);

    /// `params` in the script: --param k=v (values are strings). Call before load().
    void setParams(const std::vector<std::pair<QString, QString>>& params);
    /// Seeds random()/randint() (--seed).
    void setSeed(std::uint64_t seed);
    /// Past this many unfinished script tasks spawn() throws and taskLimitHit() turns true.
    void setMaxTasks(std::uint64_t maxTasks) { m_maxTasks = maxTasks; }
    bool taskLimitHit() const noexcept { return m_taskLimitHit; }
    /// Counts up as cancelAll() cancels and as tasks end: from any thread, for the runner's guard,
    /// which tells a long cleanup from a stuck one by it.
    std::uint64_t cleanupProgress() const noexcept {
        return m_cleanupProgress.load(std::memory_order_relaxed) + unfinishedTasks();
    }
    /// From any thread.
    std::uint64_t unfinishedTasks() const noexcept { return m_unfinished.load(std::memory_order_relaxed); }

Q_SIGNALS:
    void logged(const QString& line);

private:
    struct Entry {
        std::shared_ptr<ScriptFuture> future;
        Task<> task;
    };
    /// A line of the script file: `file` interned (internStableString), null if unknown.
    struct ScriptLine {
        const char* file = nullptr;
        int line = 0;
    };
    /// The innermost script line on the engine's stack outside the prelude: the line that
    /// called the API function now running (enginetrace.cpp).
    ScriptLine callerLine();
    std::uint64_t startTask(const QString& name, QJSValue generator);
    Task<> drive(std::shared_ptr<ScriptFuture> future, QJSValue generator);
    /// Turns a settled future into what the yield gives the script: a value, or an error to throw.
    bool takeOutcome(const std::shared_ptr<ScriptFuture>& future, QJSValue& value, QJSValue& error);
    QJSValue makeError(const QString& name, const QString& message);
    /// Publishes the script line a stretch of script runs from (nullptr: none) for slow callbacks
    /// and the watchdog.
    void setStretchLocation(int yieldLine) noexcept;
    /// `thrownAt`: where the engine saw a thrown non-Error value thrown ("g (work.js:3)").
    QString describeError(const QJSValue& error, const QString& thrownAt = {}) const;
    /// One step of a generator, its iterator result read on the engine's side: each
    /// QJSValue::property() made a string of the key and looked it up in the identifier table
    /// (five per switch, a quarter of a script's instructions, callgrind).
    struct StepResult {
        /// What was thrown; the generator's return value (done); otherwise what it yielded,
        /// except for a sleep (`op` and `ms` say all: a value held across it would take a slot
        /// of the engine's persistent-value pages for the whole sleep).
        QJSValue value;
        bool threw = false;
        bool done = false;
        int op = 0;       ///< the yielded object's __op (AwaitOp), 0 when not one of ours
        int line = 0;     ///< the yield's line (its marker, yieldmarker.h), 0 without
        double ms = 0;    ///< a sleep's ms
        QString thrownAt; ///< the innermost script frame of the throw
    };
    /// generator.next(v) or .throw(v) (`method`), like QJSValue::callWithInstance(), but a throw
    /// is told apart from a result and keeps the engine's record of where it was thrown, which
    /// QJSValue drops: `throw 42` has no Error object to carry a stack.
    StepResult stepGenerator(const QJSValue& method, const QJSValue& generator, const QJSValue& argument);
    void internStepKeys();
    /// now(), random() and record() as the engine's own functions (hostbuiltins.cpp).
    void installHostBuiltins();
    void removeHostBuiltins() noexcept;
    /// A native setter `__L.atN` per marked yield line (hostbuiltins.cpp).
    void defineYieldMarks(const std::vector<int>& lines);

public:
    /// A yield marker's setter ran (`setter`: its function): the step ends at its line.
    void noteYieldMark(const void* setter) noexcept {
        if (const auto it = m_markSetters.find(setter); it != m_markSetters.end())
            m_markedLine = it->second;
    }

private:
    std::shared_ptr<ScriptFuture> futureOf(const QJSValue& taskObject) const;

    QJSEngine m_engine;
    QJSValue m_next;  ///< Generator.prototype.next
    QJSValue m_throw; ///< Generator.prototype.throw
    /// The keys stepGenerator() reads, interned once (held here so the engine keeps them).
    QJSValue m_keyOp, m_keyMs;
    std::unordered_map<const void*, int> m_markSetters; ///< yield marker setter -> its line
    int m_markedLine = 0; ///< the line of the last yield marker run in this step, 0 for none
    std::unordered_map<std::uint64_t, Entry> m_tasks;
    /// The loopback server http.get() talks to, started on first use; and its client.
    /// "file.js:12" per line with a marked yield: where a resumed stretch of script starts.
    std::unordered_map<int, const char*> m_yieldLocations;
    const char* m_unknownYield = nullptr; ///< "file.js": the await site of a yield without a line
    QString m_callerSource;               // the engine's name of the script file callerLine() last saw
    const char* m_callerFile = nullptr;   // ... and its interned path
    std::unique_ptr<class LoopbackHttpServer> m_http;
    std::unique_ptr<QNetworkAccessManager> m_network;
    std::unordered_map<std::uint64_t, std::shared_ptr<ScriptFuture>> m_waiters;
    std::uint64_t m_nextWaiter = 1;
    struct Buffer {
        std::unique_ptr<char[]> data;
        std::int64_t size = 0;
        std::uint64_t owner = 0;
    };
    std::unordered_map<std::uint64_t, Buffer> m_buffers;
    std::uint64_t m_nextBuffer = 1;
    std::uint64_t m_maxTasks = 1'000'000;
    std::atomic<std::uint64_t> m_unfinished{0};
    std::atomic<std::uint64_t> m_cleanupProgress{0};
    std::optional<std::vector<std::uint64_t>> m_toCancel; // cancelAll()'s work list, oldest first
    std::size_t m_toCancelNext = 0;
    bool m_taskLimitHit = false;
    std::mt19937_64 m_random{0};
    QStringList m_log;
    qint64 m_startNs = 0;
    /// interrupt(): shared, because an offload() spinning on the thread pool may outlive us.
    std::shared_ptr<std::atomic<bool>> m_interrupted = std::make_shared<std::atomic<bool>>(false);
};

} // namespace coroscope::script
