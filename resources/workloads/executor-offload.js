// The same CPU-heavy job run inline on the loop, then offloaded to a worker thread.
//
// The seeds' hybrid_processing(): CPU-bound work (np.fft.fft) goes to
// loop.run_in_executor(ThreadPoolExecutor(), ...) while I/O stays on coroutines. Here burn()
// is the CPU work done inline, on the loop thread, and offload() the same work on a worker
// thread, awaited. A heartbeat ticking every 10 ms shows the difference.
//
// What Coroscope should find:
//   * exactly one slow callback, about cpu_ms long, in task `inline_fft`, located at the
//     burn() line below; none in `offloaded_fft` or its `offload-job-N` tasks, whose work runs on worker threads;
//   * latency metrics `heartbeat-late-inline` (max about cpu_ms) and
//     `heartbeat-late-offloaded` (max a few ms), `job-inline` and `job-offloaded`;
//   * `offloaded_fft` mostly idle (awaiting the worker), `inline_fft` busy for cpu_ms.
//
// Params: cpu_ms (300), jobs (2).

function param(name, fallback) {
    return params[name] === undefined ? fallback : Number(params[name]);
}

const cpuMs = param('cpu_ms', 300);
const jobs = param('jobs', 2);

// Inline: the loop does the math, nothing else runs meanwhile.
function* inlineFft() {
    yield sleep(1);
    const started = now();
    burn(cpuMs); // np.fft.fft(data) called directly in the coroutine
    record('job-inline', now() - started);
}

// Offloaded: `jobs` computations at once on worker threads; the loop stays free.
function* offloadedJob() {
    yield measure('job-offloaded', offload(cpuMs)); // await loop.run_in_executor(pool, fft, data)
}

function* offloadedFft() {
    yield sleep(1);
    const work = [];
    for (let i = 0; i < jobs; ++i)
        work.push(spawn('offload-job-' + i, offloadedJob));
    yield gather(work);
}

function* heartbeat(metric, stop) {
    let worst = 0;
    while (!stop.isSet) {
        const due = now() + 10;
        yield sleep(10);
        const late = Math.max(0, now() - due);
        record(metric, late);
        worst = Math.max(worst, late);
    }
    return worst;
}

// Runs `job` as task `name` with a heartbeat next to it; returns the heartbeat's worst lateness.
function* withHeartbeat(name, job) {
    const stop = new Event();
    const beat = spawn('heartbeat-' + name, heartbeat, 'heartbeat-late-' + name, stop);
    yield sleep(30);
    const started = now();
    yield spawn(name === 'inline' ? 'inline_fft' : 'offloaded_fft', job);
    const tookMs = now() - started;
    yield sleep(30);
    stop.set();
    const worst = yield beat;
    log(name + ':', Math.round(tookMs), 'ms for the job(s), heartbeat at worst', Math.round(worst), 'ms late');
}

function* main() {
    yield withHeartbeat('inline', inlineFft);
    yield withHeartbeat('offloaded', offloadedFft);
}
