// Ten HTTP requests one after another, then all at once with gather(): the async speed-up.
//
// The seeds' first lesson (requests.get in a loop vs aiohttp + asyncio.gather): the sequential
// loop costs requests x delay, the gathered version about one delay, because every request waits
// on the network at the same time.
//
// What Coroscope should find:
//   * latency metrics `sequential` and `concurrent` (one sample each), `concurrent` far below
//     `sequential`; `request` with one sample per request (2 x requests);
//   * one task per gathered request (fetch-0 ...), children of main;
//   * no slow callbacks and no diagnostics.
// Qt's network stack opens at most 6 connections per host, so 10 gathered requests take about
// two delays, not one: the `request` p90 of the concurrent half shows the queueing.
//
// Params: requests (10), delay_ms (200).

function param(name, fallback) {
    return params[name] === undefined ? fallback : Number(params[name]);
}

const requests = param('requests', 10);
const delayMs = param('delay_ms', 200);

function url(i) {
    return '/api/items/' + i + '?delay=' + delayMs + '&bytes=256';
}

// One request, timed on its own.
function* fetchOne(i) {
    const response = yield measure('request', http.get(url(i)));
    if (response.status !== 200)
        throw new Error('GET ' + url(i) + ' answered ' + response.status);
    return response.body.length;
}

// fetch_sync: each request waits for the previous one.
function* fetchSequential() {
    let bytes = 0;
    for (let i = 0; i < requests; ++i)
        bytes += yield fetchOne(i); // runs inline, in this task
    return bytes;
}

// fetch_async: every request is its own task, all in flight together.
function* fetchConcurrent() {
    const tasks = [];
    for (let i = 0; i < requests; ++i)
        tasks.push(spawn('fetch-' + i, fetchOne, i));
    const sizes = yield gather(tasks);
    return sizes.reduce((a, b) => a + b, 0);
}

function* main() {
    let started = now();
    const sequentialBytes = yield measure('sequential', fetchSequential());
    const sequentialMs = now() - started;
    log('sequential:', requests, 'requests,', sequentialBytes, 'bytes in', Math.round(sequentialMs), 'ms');

    started = now();
    const concurrentBytes = yield measure('concurrent', fetchConcurrent());
    const concurrentMs = now() - started;
    log('concurrent:', requests, 'requests,', concurrentBytes, 'bytes in', Math.round(concurrentMs), 'ms');
    log('speed-up:', (sequentialMs / concurrentMs).toFixed(1) + 'x');
}
