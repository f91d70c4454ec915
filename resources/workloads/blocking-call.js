// A coroutine calls a blocking sleep (the seeds' time.sleep(5)) and freezes every other task.
//
// The seeds' "ghost blocking" example: suspect_coro() awaits asyncio.sleep(1), then calls
// time.sleep(5) by mistake; asyncio's debug mode prints "Executing <Task ...> took 5.003
// seconds". Here blockFor() is that synchronous sleep (shortened to block_ms), and a heartbeat
// task shows what it does to everybody else: its 20 ms ticks stop for the whole block.
//
// What Coroscope should find:
//   * exactly one slow callback of about block_ms, in task `suspect_coro`, located at the
//     blockFor() line below, with its stack;
//   * the matching slow-callback diagnostic; loop lag max about block_ms;
//   * latency metric `heartbeat-late` (how late each tick was): its max is about block_ms.
//
// Params: block_ms (800), before_ms (100).

function param(name, fallback) {
    return params[name] === undefined ? fallback : Number(params[name]);
}

const blockMs = param('block_ms', 800);
const beforeMs = param('before_ms', 100);

function* suspectCoro() {
    yield sleep(beforeMs); // await asyncio.sleep(1)
    blockFor(blockMs); // time.sleep(5): the whole loop stops here
    yield sleep(20);
    return 'done';
}

// Ticks every 20 ms and records how late each tick was: a blocked loop makes it late.
function* heartbeat(stop) {
    let worst = 0;
    while (!stop.isSet) {
        const due = now() + 20;
        yield sleep(20);
        const late = Math.max(0, now() - due);
        record('heartbeat-late', late);
        worst = Math.max(worst, late);
    }
    return worst;
}

function* main() {
    const stop = new Event();
    const beat = spawn('heartbeat', heartbeat, stop);
    const started = now();
    yield spawn('suspect_coro', suspectCoro);
    log('suspect_coro finished after', Math.round(now() - started), 'ms (blocked for', blockMs, 'ms)');
    stop.set();
    log('heartbeat was at worst', Math.round(yield beat), 'ms late');
}
