// An API gateway: a TTL cache in front of three upstream services, a lock against stampedes, timeouts.
//
// The seeds' HighPerformanceAPIGateway and AsyncCache: handle_request() answers GETs from a
// cache, forwards misses to the upstream service with a timeout (504 when it expires), caches
// 200 answers with a TTL, and a background task evicts expired entries. A miss takes a lock
// before it fetches so that a burst of requests for one key causes one upstream call, not a
// stampede. The seed's AsyncCache takes one global `async_lock` for that: every miss then waits
// for every other miss, even for unrelated keys. --param lock=per-key locks each key instead.
//
// What Coroscope should find (default, lock=global):
//   * request tasks suspended on `lock.acquire`: latency metric `lock-wait` has a max of several
//     upstream calls, and `gateway-request` p99 is far above `upstream` p99;
//   * with lock=per-key, `lock-wait` and `gateway-request` p99 shrink to about one upstream call;
//   * `upstream` timeouts (order_service is sometimes slow) caught and answered 504: no failed
//     tasks, no diagnostics; the cleanup task is cancelled by stop(), not left behind.
// The log reports requests, cache hits, upstream calls, timeouts and the lock mode.
//
// Params: requests (60), keys (4 per service), spread_ms (600), ttl_ms (400),
//         upstream_timeout_ms (200), lock (global | per-key).

function param(name, fallback) {
    return params[name] === undefined ? fallback : Number(params[name]);
}

const requestCount = param('requests', 60);
const keysPerService = param('keys', 4);
const spreadMs = param('spread_ms', 600);
const ttlMs = param('ttl_ms', 400);
const upstreamTimeoutMs = param('upstream_timeout_ms', 200);
const lockMode = params.lock === 'per-key' ? 'per-key' : 'global';

const services = {
    user_service: { delayMs: 40 },
    product_service: { delayMs: 60 },
    order_service: { delayMs: 80, slowEvery: 3, slowDelayMs: 500 }, // every 3rd call hangs
};

class Gateway {
    constructor() {
        this.cache = new Map(); // key -> { response, expires }
        this.globalLock = new Lock();
        this.keyLocks = new Map();
        this.metrics = { requests: 0, cacheHits: 0, upstreamCalls: 0, timeouts: 0, avgResponseMs: 0 };
        this.cleaner = null;
    }

    start() {
        this.cleaner = spawn('cache-cleanup', function* (gateway) { yield gateway.cleanupLoop(); }, this);
    }

    *stop() {
        this.cleaner.cancel();
        try {
            yield this.cleaner;
        } catch (e) {
            if (e.name !== 'CancelledError')
                throw e;
        }
    }

    lockFor(key) {
        if (lockMode === 'global')
            return this.globalLock; // the seed's single async_lock
        if (!this.keyLocks.has(key))
            this.keyLocks.set(key, new Lock());
        return this.keyLocks.get(key);
    }

    cached(key) {
        const entry = this.cache.get(key);
        return entry && now() < entry.expires ? entry.response : null;
    }

    *forward(service, path) {
        const config = services[service];
        this.metrics.upstreamCalls++;
        config.calls = (config.calls || 0) + 1;
        const slow = config.slowEvery && config.calls % config.slowEvery === 0;
        const url = '/' + service + path + '?delay=' + (slow ? config.slowDelayMs : config.delayMs) + '&bytes=512';
        try {
            return yield measure('upstream', timeout(upstreamTimeoutMs, http.get(url)));
        } catch (e) {
            if (e.name !== 'TimeoutError')
                throw e;
            this.metrics.timeouts++;
            return { status: 504, body: 'upstream timed out' };
        }
    }

    *handle(service, path) {
        const started = now();
        this.metrics.requests++;
        const key = service + path;
        let response = this.cached(key);
        if (response) {
            this.metrics.cacheHits++;
        } else {
            const lock = this.lockFor(key);
            const waitStarted = now();
            yield lock.acquire();
            record('lock-wait', now() - waitStarted);
            try {
                response = this.cached(key); // somebody may have fetched it while we waited
                if (response) {
                    this.metrics.cacheHits++;
                } else {
                    response = yield this.forward(service, path);
                    if (response.status === 200)
                        this.cache.set(key, { response: response, expires: now() + ttlMs });
                }
            } finally {
                lock.release();
            }
        }
        const elapsed = now() - started;
        record('gateway-request', elapsed);
        this.metrics.avgResponseMs = this.metrics.avgResponseMs * 0.9 + elapsed * 0.1;
        return response.status;
    }

    *cleanupLoop() {
        for (;;) {
            yield sleep(ttlMs / 2);
            let expired = 0;
            for (const [key, entry] of this.cache) {
                if (now() >= entry.expires) {
                    this.cache.delete(key);
                    expired++;
                }
            }
            if (expired)
                log('cache cleanup: evicted', expired, 'expired entries');
        }
    }
}

function* client(gateway, i) {
    yield sleep(randint(0, spreadMs)); // requests arrive over time
    const names = Object.keys(services);
    const service = names[randint(0, names.length - 1)];
    return yield gateway.handle(service, '/items/' + randint(1, keysPerService));
}

function* main() {
    const gateway = new Gateway();
    gateway.start();
    const clients = [];
    for (let i = 0; i < requestCount; ++i)
        clients.push(spawn('request-' + i, client, gateway, i));
    const statuses = yield gather(clients);
    yield gateway.stop();
    const m = gateway.metrics;
    log('lock:', lockMode + ';', 'requests:', m.requests + ', cache hits:', m.cacheHits + ', upstream calls:',
        m.upstreamCalls + ', timeouts:', m.timeouts + ', 504 answers:', statuses.filter(s => s === 504).length +
        ', avg response:', m.avgResponseMs.toFixed(1), 'ms');
}
