// The seeds' API gateway at the size they built it for: ~100 000 requests per second.
//
// `connections` client connections (the seeds' keep-alive clients) each send a request every
// connections / rate seconds, on a schedule that does not drift: together `rate` requests per
// second when the loop keeps up. A request goes through the gateway of the seeds
// (HighPerformanceAPIGateway + AsyncCache + the connection pool): a TTL cache answers the hot keys;
// a miss takes that key's lock, so a burst for one key makes one backend call, not a stampede,
// then a connection of the backend pool (a Semaphore of `pool`), waits `backend_ms` for the
// simulated backend and caches the answer for `ttl_ms`. Nothing goes over a socket: what is
// measured is the gateway's own work on the event loop, which is what caps its rate.
//
// What Coroscope should show:
//   * the log, every second and at the end: requests per second reached against the target, in
//     per cent ("reached 96 % of 100000 requests/s"), the cache hit ratio and backend calls;
//   * latency `request`: p50 ~0 ms (cache hits answer without waiting), p99 about one backend
//     call plus the waits for the pool and the key's lock;
//   * loop lag low while the loop keeps up; when it cannot, lag grows and the rate reached falls
//     below the target: this example is how close a script gets on the machine it runs on;
//   * no failed or leaked tasks.
//
// Params: rate (100000), seconds (3), connections (1000), keys (5000), ttl_ms (250),
//         backend_ms (2), pool (100).

function param(name, fallback) {
    return params[name] === undefined ? fallback : Number(params[name]);
}

const rate = param('rate', 100000);
const seconds = param('seconds', 3);
const connections = param('connections', 1000);
const keyCount = param('keys', 5000);
const ttlMs = param('ttl_ms', 250);
const backendMs = param('backend_ms', 2);
const poolSize = param('pool', 100);

class Backend {
    constructor(size) {
        this.pool = new Semaphore(size); // the seeds' connection pool
        this.calls = 0;
    }

    *fetch(key) {
        yield this.pool.acquire();
        try {
            this.calls++;
            yield sleep(backendMs);
            return { status: 200, body: 'item ' + key };
        } finally {
            this.pool.release();
        }
    }
}

class Gateway {
    constructor(backend) {
        this.backend = backend;
        // Keys are 1..keys: arrays by key, not Maps. QJSEngine 6.4's Map finds a key by comparing
        // it with every key in turn (docs/scripting.md, "Performance"): at 5 000 keys that was half
        // the loop's CPU time in this example's own CPU profile, and 17 % of the target rate.
        // Filled, not `new Array(n)`: a holey array is ~5x slower to index.
        this.cache = []; // key -> { response, expires }
        this.locks = []; // key -> Lock: misses of one key wait for one fetch
        for (let key = 0; key <= keyCount; ++key) {
            this.cache.push(null);
            this.locks.push(null);
        }
        this.requests = 0;
        this.hits = 0;
    }

    fresh(key, at) {
        const entry = this.cache[key];
        return entry !== null && at < entry.expires ? entry.response : null;
    }

    *handle(key) {
        const started = now();
        this.requests++;
        let response = this.fresh(key, started);
        if (response !== null) {
            this.hits++;
        } else {
            let lock = this.locks[key];
            if (lock === null)
                lock = this.locks[key] = new Lock();
            yield lock.acquire();
            try {
                response = this.fresh(key, now()); // fetched while this request waited
                if (response === null) {
                    // yield* runs the fetch in this generator: no driver step of its own
                    response = yield* this.backend.fetch(key);
                    this.cache[key] = { response: response, expires: now() + ttlMs };
                }
            } finally {
                lock.release();
            }
        }
        record('request', now() - started);
        return response.status;
    }
}

// One client connection: a request every `interval` ms, each on its own schedule slot, so a late
// request does not push the next ones back (the rate stays the target's, or shows it cannot).
function* connection(gateway, interval, offset, endAt) {
    let next = now() + offset;
    for (;;) {
        const wait = next - now();
        yield sleep(wait > 0 ? wait : 0);
        if (now() >= endAt)
            return;
        yield* gateway.handle(randint(1, keyCount));
        next += interval;
    }
}

function* monitor(gateway, endAt) {
    let last = gateway.requests;
    for (let second = 1; now() < endAt; ++second) {
        yield sleep(1000);
        const done = gateway.requests - last;
        last = gateway.requests;
        log('second', second + ':', done, 'requests (' + Math.round(done * 100 / rate) + ' % of the target)');
    }
}

function* main() {
    const gateway = new Gateway(new Backend(poolSize));
    const interval = connections * 1000 / rate; // ms between one connection's requests
    const started = now();
    const endAt = started + seconds * 1000;
    const clients = [];
    for (let i = 0; i < connections; ++i)
        clients.push(spawn('connection-' + i, connection, gateway, interval, (i * interval) / connections, endAt));
    const watcher = spawn('monitor', monitor, gateway, endAt);
    yield gather(clients);
    const elapsed = (now() - started) / 1000;
    yield watcher;
    const reached = gateway.requests / elapsed;
    log('reached', Math.round(reached), 'requests/s:', Math.round(reached * 100 / rate), '% of', rate,
        'requests/s;', gateway.requests, 'requests in', elapsed.toFixed(2), 's, cache hits',
        Math.round(gateway.hits * 100 / Math.max(1, gateway.requests)) + ' %, backend calls',
        gateway.backend.calls);
}
