// Five workers drain a bounded queue of 1000 items; main joins the queue, then cancels them.
//
// The seeds' worker pool: asyncio.Queue(maxsize=100), create_task(worker(q)) five times,
// q.put() for every item (waiting whenever the queue is full), q.join(), then cancel every
// worker and gather them with return_exceptions=True.
//
// What Coroscope should find:
//   * five worker tasks, all `cancelled` by main (not by the end of the run), none leaked;
//   * the producer (main) suspended on `queue.put` while the queue is full: backpressure;
//   * latency metrics `queue-wait` (put to get) and `item` (processing), `items` samples each;
//   * no slow callbacks and no diagnostics.
// The log says how many items each worker processed and that all of them were.
//
// Params: items (1000), workers (5), maxsize (100), item_ms (5).

function param(name, fallback) {
    return params[name] === undefined ? fallback : Number(params[name]);
}

const itemCount = param('items', 1000);
const workerCount = param('workers', 5);
const maxsize = param('maxsize', 100);
const itemMs = param('item_ms', 5);

const processedBy = {};
let processed = 0;

function* worker(name, queue) {
    processedBy[name] = 0;
    for (;;) {
        const item = yield queue.get(); // a cancelled worker stops here
        try {
            record('queue-wait', now() - item.enqueued);
            yield measure('item', sleep(itemMs)); // the work of one item
            processedBy[name]++;
            processed++;
        } finally {
            queue.taskDone();
        }
    }
}

function* main() {
    const queue = new Queue(maxsize);
    const workers = [];
    for (let i = 0; i < workerCount; ++i) {
        const name = 'worker-' + i;
        workers.push(spawn(name, worker, name, queue));
    }

    const started = now();
    for (let i = 0; i < itemCount; ++i)
        yield queue.put({ id: i, enqueued: now() }); // waits while the queue is full
    yield queue.join();
    log('processed', processed, 'of', itemCount, 'items in', Math.round(now() - started), 'ms');
    log('per worker:', Object.keys(processedBy).map(n => n + '=' + processedBy[n]).join(' '));

    for (const w of workers)
        w.cancel();
    const outcomes = yield gatherSettled(workers); // return_exceptions=True
    const cancelled = outcomes.filter(o => !o.ok && o.error.name === 'CancelledError').length;
    log('workers cancelled:', cancelled, 'of', workers.length, '(queue size', queue.size + ')');
}
