// A task manager shuts its workers down gracefully: cancel them all, wait for them with a timeout.
//
// The seeds' CoroutineManager: create_task() tracks every task (a done callback drops it and
// reports its outcome), and graceful_shutdown(timeout) sets the shutdown event, cancels every
// task still running and waits for them (asyncio.wait(tasks, timeout)). Workers flush what
// they hold in a finally block, which itself takes time. A signal handler starts the shutdown;
// here a `signal` task does, after run_ms.
//
// What Coroscope should find (default):
//   * every worker `cancelled`, finished before main returns: no task-leaked diagnostic;
//   * latency metric `shutdown` (one sample, about cleanup_ms) and `job` (the workers' jobs);
//   * no slow callbacks, no other diagnostics.
// With --param stubborn=1 one more worker swallows CancelledError and keeps going: the shutdown
// times out (logged), and Coroscope reports task-leaked naming `stubborn-worker`.
//
// Params: workers (5), run_ms (500), job_ms (30), cleanup_ms (50), shutdown_timeout_ms (1000),
//         stubborn (0).

function param(name, fallback) {
    return params[name] === undefined ? fallback : Number(params[name]);
}

const workerCount = param('workers', 5);
const runMs = param('run_ms', 500);
const jobMs = param('job_ms', 30);
const cleanupMs = param('cleanup_ms', 50);
const shutdownTimeoutMs = param('shutdown_timeout_ms', 1000);
const stubborn = param('stubborn', 0) !== 0;

class CoroutineManager {
    constructor() {
        this.tasks = new Set();
        this.shutdownEvent = new Event();
        this.outcomes = { completed: 0, cancelled: 0, failed: 0 };
    }

    // create_task + add_done_callback: the wrapper plays the done callback's part.
    createTask(name, fn, ...args) {
        const manager = this;
        const task = spawn(name, function* () {
            try {
                const value = yield fn(...args);
                manager.outcomes.completed++;
                return value;
            } catch (e) {
                manager.outcomes[e.name === 'CancelledError' ? 'cancelled' : 'failed']++;
                throw e;
            } finally {
                manager.tasks.delete(task);
            }
        });
        this.tasks.add(task);
        return task;
    }

    *gracefulShutdown(timeoutMs) {
        log('shutdown: cancelling', this.tasks.size, 'tasks');
        this.shutdownEvent.set();
        const tasks = Array.from(this.tasks);
        for (const task of tasks)
            task.cancel();
        const started = now();
        try {
            yield timeout(timeoutMs, gatherSettled(tasks)); // asyncio.wait(tasks, timeout=...)
            log('shutdown: all tasks finished in', Math.round(now() - started), 'ms');
        } catch (e) {
            if (e.name !== 'TimeoutError')
                throw e;
            log('shutdown: timed out after', timeoutMs, 'ms;', this.tasks.size, 'still running:',
                Array.from(this.tasks).map(t => t.name).join(', '));
        }
        record('shutdown', now() - started);
    }
}

let jobsDone = 0;

function* workerTask(id) {
    let buffered = 0;
    try {
        for (;;) {
            yield measure('job', sleep(jobMs));
            buffered++;
            jobsDone++;
        }
    } finally {
        yield sleep(cleanupMs); // flush what it holds before it goes
        log('worker', id, 'flushed', buffered, 'results');
    }
}

// Catches the cancellation and carries on: a graceful shutdown cannot end it.
function* stubbornWorker() {
    for (;;) {
        try {
            yield sleep(jobMs);
        } catch (e) {
            log('stubborn-worker ignored', e.name);
        }
    }
}

function* signalAfter(manager, ms) {
    yield sleep(ms); // loop.add_signal_handler(SIGTERM, ...)
    yield manager.gracefulShutdown(shutdownTimeoutMs);
}

function* main() {
    const manager = new CoroutineManager();
    for (let i = 0; i < workerCount; ++i)
        manager.createTask('worker-' + i, workerTask, i);
    if (stubborn)
        manager.createTask('stubborn-worker', stubbornWorker);
    const signal = spawn('signal', signalAfter, manager, runMs);
    yield manager.shutdownEvent.wait();
    yield signal; // returning now would leave the shutdown half done
    log('main: jobs done', jobsDone + '; outcomes', JSON.stringify(manager.outcomes));
}
