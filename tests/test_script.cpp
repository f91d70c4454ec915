// Workload scripts: generator functions are coroutines on the instrumented loop.
#include "scriptrunsupport.h"

#include <functional>

using namespace coroscope;
using namespace coroscope::script;
using namespace coroscope::test;
using namespace std::chrono_literals;

class TestScript : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void syntaxErrorNamesFileAndLine();
    void missingMainIsAnError();
    void mainReturnsItsValue();
    void spawnedTasksAreTracedWithParentsAndNames();
    void gatherKeepsOrderAndFailsFast();
    void gatherSettledReportsEachOutcome();
    void failureCarriesTheJsStackAndIsCatchable();
    void unawaitedFailureIsNeverRetrieved();
    void cancelDeliversCancelledErrorAtTheYield();
    void blockForIsASlowCallbackOfItsTask();
    void yieldingAGeneratorRunsItInline();
    void yieldingANonAwaitableThrowsTypeError();
    void queueWorkersProcessEverythingAndJoin();
    void cancelledGetterDoesNotSwallowAnItem();
    void semaphoreLimitsConcurrency();
    void lockAndEvent();
    void timeoutCancelsTheInnerTask();
    void raceGivesTheFirstOutcome();
    void measureRecordsLatencyWithoutATask();
    void randomIsSeededAndParamsArePassed();
    void offloadDoesNotBlockTheLoop();
    void httpGetTalksToTheLoopbackServer();
    void memoryGrowthNamesTheLeakingTaskOnly();
    void cancelAfterHandOverKeepsTheItem();
};

void TestScript::syntaxErrorNamesFileAndLine() {
    ScriptRuntime runtime;
    const auto error =
        runtime.loadSource(QStringLiteral("function* main() {\n  let x = 1;\n  yield x +;\n}\n"),
                           QStringLiteral("/scripts/bad.js"));
    QVERIFY(error);
    QCOMPARE(error->file, QStringLiteral("/scripts/bad.js"));
    QCOMPARE(error->line, 3);
    QCOMPARE(error->column, 12); // "  yield x +;": the ';' where an operand was expected
    QVERIFY2(error->message.startsWith(QStringLiteral("SyntaxError")), qPrintable(error->message));
    QCOMPARE(error->toString().left(20), QStringLiteral("/scripts/bad.js:3:12"));
}

void TestScript::missingMainIsAnError() {
    ScriptRuntime runtime;
    const auto error = runtime.loadSource(QStringLiteral("function helper() {}\n"), QStringLiteral("x.js"));
    QVERIFY(error);
    QVERIFY(error->message.contains(QStringLiteral("main")));
}

void TestScript::mainReturnsItsValue() {
    const ScriptRun run =
        runScript(QStringLiteral("function* main() { yield sleep(5); yield sleep(5); return 42; }"));
    QCOMPARE(run.main->status(), ScriptFuture::Status::Resolved);
    QCOMPARE(run.main->value().toInt(), 42);
    const TaskInfo* main = taskNamed(run.snapshot, QStringLiteral("main"));
    QVERIFY(main);
    QCOMPARE(main->state, TaskState::Completed);
    QCOMPARE(main->resumes, 3u); // start, two sleeps
}

void TestScript::spawnedTasksAreTracedWithParentsAndNames() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* fetch(i) { yield sleep(10 * i); return i * i; }
function* main() {
    const tasks = [];
    for (let i = 1; i <= 3; ++i)
        tasks.push(spawn('fetch-' + i, fetch, i));
    let sum = 0;
    for (const t of tasks) sum += yield t;
    const unnamed = spawn(fetch, 4);
    sum += yield unnamed;
    return sum;
}
)"));
    QCOMPARE(run.main->value().toInt(), 1 + 4 + 9 + 16);
    const TaskInfo* main = taskNamed(run.snapshot, QStringLiteral("main"));
    QVERIFY(main);
    for (const QString& name :
         {QStringLiteral("fetch-1"), QStringLiteral("fetch-2"), QStringLiteral("fetch-3")}) {
        const TaskInfo* t = taskNamed(run.snapshot, name);
        QVERIFY2(t, qPrintable(name));
        QCOMPARE(t->parentId, main->id);
        QCOMPARE(t->state, TaskState::Completed);
        QCOMPARE(t->spawnLocation, QStringLiteral("test.js:6")); // the spawn() line
    }
    QVERIFY(taskNamed(run.snapshot, QStringLiteral("fetch"))); // named after the function
    QCOMPARE(run.snapshot.tasksTotal, std::uint64_t(5));
}

void TestScript::gatherKeepsOrderAndFailsFast() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* value(ms, v) { yield sleep(ms); return v; }
function* boom(ms) { yield sleep(ms); throw new Error('boom'); }
function* main() {
    const results = yield gather(value(30, 'a'), value(10, 'b'), spawn(value, 20, 'c'));
    const started = now();
    let failedAfter = -1;
    try {
        yield gather([value(300, 'slow'), boom(10)]);
    } catch (e) {
        failedAfter = now() - started;
        log('caught', e.message);
    }
    return results.join(',') + '|' + (failedAfter < 200 ? 'fast' : 'slow:' + failedAfter);
}
)"));
    QCOMPARE(run.main->value().toString(), QStringLiteral("a,b,c|fast"));
    QVERIFY(run.log.contains(QStringLiteral("caught boom")));
    QCOMPARE(countDiagnostics(run.snapshot, QStringLiteral("exception-never-retrieved")), 0);
}

void TestScript::gatherSettledReportsEachOutcome() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* ok() { yield sleep(1); return 1; }
function* bad() { yield sleep(1); throw new Error('nope'); }
function* main() {
    const r = yield gatherSettled(ok(), bad());
    return [r[0].ok, r[0].value, r[1].ok, r[1].error.message].join(',');
}
)"));
    QCOMPARE(run.main->value().toString(), QStringLiteral("true,1,false,nope"));
    QCOMPARE(countDiagnostics(run.snapshot, QStringLiteral("exception-never-retrieved")), 0);
}

void TestScript::failureCarriesTheJsStackAndIsCatchable() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* parse() {
    yield sleep(1);
    throw new Error('bad input');
}
function* main() {
    try { yield spawn('parser', parse); } catch (e) { log('caught:', e.message); }
    return 'done';
}
)"));
    QCOMPARE(run.main->value().toString(), QStringLiteral("done"));
    QVERIFY(run.log.contains(QStringLiteral("caught: bad input")));
    const TaskInfo* parser = taskNamed(run.snapshot, QStringLiteral("parser"));
    QVERIFY(parser);
    QCOMPARE(parser->state, TaskState::Failed);
    QVERIFY2(parser->error.startsWith(QStringLiteral("Error: bad input")), qPrintable(parser->error));
    QVERIFY2(parser->error.contains(QStringLiteral("at parse (test.js:4)")), qPrintable(parser->error));
    QCOMPARE(countDiagnostics(run.snapshot, QStringLiteral("exception-never-retrieved")), 0);
}

void TestScript::unawaitedFailureIsNeverRetrieved() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* validate() { yield sleep(1); throw new TypeError('schema mismatch'); }
function* main() { spawn('validator', validate); yield sleep(30); }
)"));
    QCOMPARE(run.main->status(), ScriptFuture::Status::Resolved); // the run goes on
    QCOMPARE(countDiagnostics(run.snapshot, QStringLiteral("exception-never-retrieved")), 1);
    const Diagnostic* d = findDiagnostic(run.snapshot, QStringLiteral("exception-never-retrieved"));
    QVERIFY2(d->message.contains(QStringLiteral("TypeError: schema mismatch")), qPrintable(d->message));
    QCOMPARE(d->taskName, QStringLiteral("validator"));
}

void TestScript::cancelDeliversCancelledErrorAtTheYield() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* sleeper() {
    try { yield sleep(10000); log('woke'); }
    catch (e) { log('got', e.name); throw e; }
    finally { log('cleanup'); }
}
function* main() {
    const t = spawn('sleeper', sleeper);
    yield sleep(10);
    t.cancel();
    try { yield t; } catch (e) { log('awaiting it:', e.name); }
    return t.state;
}
)"));
    QCOMPARE(run.main->value().toString(), QStringLiteral("cancelled"));
    QCOMPARE(run.log, (QStringList{QStringLiteral("got CancelledError"), QStringLiteral("cleanup"),
                                   QStringLiteral("awaiting it: CancelledError")}));
    const TaskInfo* t = taskNamed(run.snapshot, QStringLiteral("sleeper"));
    QVERIFY(t);
    QCOMPARE(t->state, TaskState::Cancelled);
}

void TestScript::blockForIsASlowCallbackOfItsTask() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* parser() { yield sleep(5); blockFor(300); yield sleep(5); }
function* main() { yield spawn('parser', parser); }
)"));
    QCOMPARE(run.snapshot.slowCallbacks.size(), std::size_t(1));
    const SlowCallback& slow = run.snapshot.slowCallbacks.front();
    QCOMPARE(slow.taskName, QStringLiteral("parser"));
    QVERIFY2(slow.durationNs >= 270'000'000 && slow.durationNs <= 330'000'000,
             qPrintable(QString::number(slow.durationNs)));
    QVERIFY2(slow.stack.contains(QStringLiteral("ScriptRuntime::blockFor")), qPrintable(slow.stack));
}

void TestScript::yieldingAGeneratorRunsItInline() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* helper(x) { yield sleep(1); if (x < 0) throw new RangeError('negative'); return x * 2; }
function* main() {
    const a = yield helper(21);
    let b = 0;
    try { yield helper(-1); } catch (e) { b = e.name; }
    return a + ':' + b;
}
)"));
    QCOMPARE(run.main->value().toString(), QStringLiteral("42:RangeError"));
    QCOMPARE(run.snapshot.tasksTotal, std::uint64_t(1)); // inline: no task of its own
}

void TestScript::yieldingANonAwaitableThrowsTypeError() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* main() { try { yield 42; } catch (e) { return e.name; } }
)"));
    QCOMPARE(run.main->value().toString(), QStringLiteral("TypeError"));
}

void TestScript::queueWorkersProcessEverythingAndJoin() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* worker(q, out) {
    for (;;) { const item = yield q.get(); out.push(item * 2); yield sleep(0); q.taskDone(); }
}
function* main() {
    const q = new Queue(10), out = [], workers = [];
    for (let i = 0; i < 5; ++i) workers.push(spawn('worker-' + i, worker, q, out));
    for (let i = 0; i < 200; ++i) yield q.put(i);
    yield q.join();
    for (const w of workers) w.cancel();
    yield gatherSettled(workers);
    return out.length + ':' + out.reduce((a, b) => a + b, 0) + ':' + q.size;
}
)"));
    QCOMPARE(run.main->value().toString(), QStringLiteral("200:39800:0"));
    QCOMPARE(run.snapshot.tasksByState[std::size_t(TaskState::Cancelled)], std::uint64_t(5));
}

// Regression guard: a getter cancelled while waiting must not take the next item with it.
void TestScript::cancelledGetterDoesNotSwallowAnItem() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* getter(q) { return yield q.get(); }
function* main() {
    const q = new Queue();
    const doomed = spawn(getter, q);
    const survivor = spawn(getter, q);
    yield sleep(5);
    doomed.cancel();
    q.putNowait('only');
    return yield survivor;
}
)"));
    QCOMPARE(run.main->value().toString(), QStringLiteral("only"));
}

void TestScript::semaphoreLimitsConcurrency() {
    const ScriptRun run = runScript(QStringLiteral(R"(
let active = 0, peak = 0;
function* crawl(sem) {
    yield sem.acquire();
    try { active++; peak = Math.max(peak, active); yield sleep(5); } finally { active--; sem.release(); }
}
function* main() {
    const sem = new Semaphore(3), tasks = [];
    for (let i = 0; i < 20; ++i) tasks.push(spawn(crawl, sem));
    yield gather(tasks);
    return peak + ':' + sem.value;
}
)"));
    QCOMPARE(run.main->value().toString(), QStringLiteral("3:3"));
}

void TestScript::lockAndEvent() {
    const ScriptRun run = runScript(QStringLiteral(R"(
const order = [];
function* user(lock, name) { yield lock.acquire(); order.push(name + '+'); yield sleep(2); order.push(name + '-'); lock.release(); }
function* waiter(ev) { yield ev.wait(); order.push('woke'); }
function* main() {
    const lock = new Lock(), ev = new Event();
    const w = spawn(waiter, ev);
    yield gather(user(lock, 'a'), user(lock, 'b'));
    ev.set();
    yield w;
    return order.join(' ') + '|' + lock.locked + '|' + ev.isSet;
}
)"));
    QCOMPARE(run.main->value().toString(), QStringLiteral("a+ a- b+ b- woke|false|true"));
}

void TestScript::timeoutCancelsTheInnerTask() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* slow() { try { yield sleep(5000); } finally { log('inner cleanup'); } }
function* quick() { yield sleep(1); return 'in time'; }
function* main() {
    const ok = yield timeout(500, quick());
    let name = '';
    const started = now();
    try { yield timeout(30, spawn('slow', slow)); } catch (e) { name = e.name; }
    yield sleep(5);
    return ok + '|' + name + '|' + (now() - started < 400);
}
)"));
    QCOMPARE(run.main->value().toString(), QStringLiteral("in time|TimeoutError|true"));
    QVERIFY(run.log.contains(QStringLiteral("inner cleanup")));
    const TaskInfo* slow = taskNamed(run.snapshot, QStringLiteral("slow"));
    QVERIFY(slow);
    QCOMPARE(slow->state, TaskState::Cancelled);
}

void TestScript::raceGivesTheFirstOutcome() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* after(ms, v) { yield sleep(ms); return v; }
function* main() { return yield race(after(50, 'slow'), after(5, 'fast')); }
)"));
    QCOMPARE(run.main->value().toString(), QStringLiteral("fast"));
}

void TestScript::measureRecordsLatencyWithoutATask() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* main() {
    for (let i = 0; i < 10; ++i) yield measure('fetch', sleep(20));
    record('direct', 7.5);
}
)"));
    QCOMPARE(run.snapshot.tasksTotal, std::uint64_t(1)); // measure() ran inline in main
    QCOMPARE(run.snapshot.latency.size(), std::size_t(2));
    const LatencyMetric& direct = run.snapshot.latency[0];
    const LatencyMetric& fetch = run.snapshot.latency[1];
    QCOMPARE(direct.name, QStringLiteral("direct"));
    QCOMPARE(direct.micros.count(), std::uint64_t(1));
    QVERIFY(std::abs(direct.micros.max() - 7500) <= 8);
    QCOMPARE(fetch.name, QStringLiteral("fetch"));
    QCOMPARE(fetch.micros.count(), std::uint64_t(10));
    QVERIFY2(fetch.micros.percentile(50) >= 19'000 && fetch.micros.percentile(50) < 40'000,
             qPrintable(QString::number(fetch.micros.percentile(50))));
}

void TestScript::randomIsSeededAndParamsArePassed() {
    const QString source = QStringLiteral("function* main() { return [randint(1, 1000), randint(1, 1000), "
                                          "random() < 1, params.workers, params.mode].join(','); }");
    auto seeded = [](std::uint64_t seed) {
        return [seed](ScriptRuntime& runtime) {
            runtime.setSeed(seed);
            runtime.setParams({{QStringLiteral("workers"), QStringLiteral("8")},
                               {QStringLiteral("mode"), QStringLiteral("fast")}});
        };
    };
    const QString a = runScript(source, {}, seeded(7)).main->value().toString();
    const QString b = runScript(source, {}, seeded(7)).main->value().toString();
    const QString c = runScript(source, {}, seeded(8)).main->value().toString();
    QCOMPARE(a, b);
    QVERIFY(a != c);
    QVERIFY2(a.endsWith(QStringLiteral(",true,8,fast")), qPrintable(a));
}

void TestScript::offloadDoesNotBlockTheLoop() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* main() { burn(150); yield sleep(1); yield offload(150); }
)"));
    // burn() on the loop thread is a slow callback; the same work offloaded is not.
    QCOMPARE(run.snapshot.slowCallbacks.size(), std::size_t(1));
    const QString& stack = run.snapshot.slowCallbacks.front().stack;
    QVERIFY2(stack.contains(QStringLiteral("spinFor")) ||
                 stack.contains(QStringLiteral("ScriptRuntime::burn")),
             qPrintable(stack));
    const TaskInfo* main = taskNamed(run.snapshot, QStringLiteral("main"));
    QVERIFY(main);
    QVERIFY2(main->idleNs >= 140'000'000, qPrintable(QString::number(main->idleNs))); // waited for the worker
}

void TestScript::httpGetTalksToTheLoopbackServer() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* slowFetch() { return yield http.get('/slow?delay=5000'); }
function* main() {
    const r = yield http.get('/items?delay=30&status=201&bytes=5');
    let refused = '';
    try { yield http.get('https://example.com/'); } catch (e) { refused = e.name + ': ' + e.message; }
    const pending = spawn('slow-fetch', slowFetch);
    yield sleep(20);
    pending.cancel();
    let cancelled = '';
    try { yield pending; } catch (e) { cancelled = e.name; }
    return [r.status, r.body.length, refused, cancelled].join('|');
}
)"));
    const QStringList parts = run.main->value().toString().split(u'|');
    QCOMPARE(parts.size(), 4);
    QCOMPARE(parts[0], QStringLiteral("201"));
    QCOMPARE(parts[1], QStringLiteral("5"));
    QVERIFY2(parts[2].startsWith(QStringLiteral("HttpError: http.get: refused https://example.com/")),
             qPrintable(parts[2]));
    QCOMPARE(parts[3], QStringLiteral("CancelledError"));
    const TaskInfo* slow = taskNamed(run.snapshot, QStringLiteral("slow-fetch"));
    QVERIFY(slow);
    QCOMPARE(slow->state, TaskState::Cancelled);
}

// The seeds' leaking cache: one task keeps every buffer, another allocates and frees as much.
void TestScript::memoryGrowthNamesTheLeakingTaskOnly() {
    Settings settings;
    settings.memoryGrowthBytes = 5 << 20;
    settings.memoryGrowthWindow = 1000ms;
    const ScriptRun run = runScript(QStringLiteral(R"(
const cache = [];
function* leakyCache() { for (let i = 0; i < 40; ++i) { cache.push(alloc(256 * 1024)); yield sleep(40); } }
function* churner() { for (let i = 0; i < 40; ++i) { const b = alloc(256 * 1024); yield sleep(40); b.free(); } }
function* main() { yield gather(spawn('leaky-cache', leakyCache), spawn('churner', churner)); }
)"),
                                    settings);
    QCOMPARE(countDiagnostics(run.snapshot, QStringLiteral("memory-growth")), 1);
    const Diagnostic* d = findDiagnostic(run.snapshot, QStringLiteral("memory-growth"));
    QCOMPARE(d->taskName, QStringLiteral("leaky-cache"));
    const TaskInfo* leaky = taskNamed(run.snapshot, QStringLiteral("leaky-cache"));
    const TaskInfo* churner = taskNamed(run.snapshot, QStringLiteral("churner"));
    QVERIFY(leaky && churner);
    QCOMPARE(leaky->liveBytes, std::int64_t(40 * 256 * 1024));
    QCOMPARE(leaky->allocatedBytes, std::int64_t(40 * 256 * 1024));
    QCOMPARE(churner->liveBytes, std::int64_t(0));
    QCOMPARE(churner->allocatedBytes, std::int64_t(40 * 256 * 1024));
}

// Regression (examples review): an item handed to a getter whose resume was still queued was lost
// when the getter was cancelled in the same tick; now the getter receives it and is cancelled at
// its next yield. Same for a semaphore permit.
void TestScript::cancelAfterHandOverKeepsTheItem() {
    const ScriptRun run = runScript(QStringLiteral(R"(
function* getter(q, got) { const item = yield q.get(); got.push(item); yield sleep(1000); }
function* waiter(sem, got) { yield sem.acquire(); got.push('permit'); sem.release(); yield sleep(1000); }
function* main() {
    const q = new Queue(), sem = new Semaphore(0), got = [];
    const g = spawn(getter, q, got), w = spawn(waiter, sem, got);
    yield sleep(5);
    q.putNowait('item'); g.cancel();      // handed over, then cancelled in the same tick
    sem.release(); w.cancel();
    yield gatherSettled(g, w);
    return [got.sort().join(','), q.size, sem.value, g.state, w.state].join('|');
}
)"));
    QCOMPARE(run.main->value().toString(), QStringLiteral("item,permit|0|1|cancelled|cancelled"));
}

COROSCOPE_TEST_MAIN(TestScript)
#include "test_script.moc"
