// A database connection pool (min 2, max 5) shared by 12 clients; acquire() gives up after a timeout.
//
// The seeds' AsyncConnectionPool / asyncpg create_pool(min_size, max_size): acquire() takes an
// idle connection, opens a new one while fewer than max_size exist, or else waits for a
// release, bounded by a timeout (asyncio.wait_for(pool.acquire(), 0.1)).
// Every third client runs a slow report query and holds its connection for long, so clients
// behind it time out.
//
// What Coroscope should find:
//   * clients suspended in `timeout` on `event.wait` (waiting for a released connection);
//   * latency metrics `acquire` (every successful acquire, including waits), `query` and
//     `connect`; `connect` has between min_size and max_size samples: the pool never grows
//     past max_size;
//   * acquire timeouts caught by the clients (TimeoutError): no failed tasks, no diagnostics.
// The log reports connections opened, queries run, acquires that timed out, and that every
// connection is back in the pool at the end.
//
// Params: clients (12), queries (4), min_size (2), max_size (5), acquire_timeout_ms (150),
//         query_ms (30), slow_query_ms (250), connect_ms (40).

function param(name, fallback) {
    return params[name] === undefined ? fallback : Number(params[name]);
}

const clientCount = param('clients', 12);
const queriesPerClient = param('queries', 4);
const minSize = param('min_size', 2);
const maxSize = param('max_size', 5);
const acquireTimeoutMs = param('acquire_timeout_ms', 150);
const queryMs = param('query_ms', 30);
const slowQueryMs = param('slow_query_ms', 250);
const connectMs = param('connect_ms', 40);

class ConnectionPool {
    constructor(minSize, maxSize) {
        this.minSize = minSize;
        this.maxSize = maxSize;
        this.idle = [];    // connections nobody uses
        this.waiting = []; // acquires waiting for a release, oldest first
        this.created = 0;
        this.inUse = 0;
        this.peakInUse = 0;
        this.nextId = 1;
    }

    // Opening a connection is a round trip to the server.
    *connect() {
        this.created++; // counted before the await, so concurrent acquires respect max_size
        const id = this.nextId++;
        yield measure('connect', sleep(connectMs));
        return { id: id, queries: 0 };
    }

    *initialize() {
        for (let i = 0; i < this.minSize; ++i)
            this.idle.push(yield this.connect());
    }

    // An idle connection, a new one, or the next one released: TimeoutError after timeoutMs.
    *acquire(timeoutMs) {
        const started = now();
        let connection;
        if (this.idle.length > 0) {
            connection = this.idle.pop();
        } else if (this.created < this.maxSize) {
            connection = yield this.connect();
        } else {
            // release() hands the connection to the waiter object itself, not through the awaited
            // Event: `timeout(ms, queue.get())` would lose a connection released just before the
            // deadline (the cancelled get already took it).
            const waiter = { wakeUp: new Event(), connection: null };
            this.waiting.push(waiter);
            try {
                yield timeout(timeoutMs, waiter.wakeUp.wait());
            } catch (e) {
                if (!waiter.connection) {
                    this.waiting.splice(this.waiting.indexOf(waiter), 1);
                    throw e;
                }
                // released to us right at the deadline: keep it
            }
            connection = waiter.connection;
        }
        record('acquire', now() - started);
        this.inUse++;
        this.peakInUse = Math.max(this.peakInUse, this.inUse);
        return connection;
    }

    release(connection) {
        this.inUse--;
        const waiter = this.waiting.shift();
        if (waiter) {
            waiter.connection = connection;
            waiter.wakeUp.set();
        } else {
            this.idle.push(connection);
        }
    }
}

function* query(connection, ms) {
    connection.queries++;
    return yield measure('query', http.get('/db/query?delay=' + ms + '&bytes=128'));
}

const stats = { queries: 0, timeouts: 0 };

function* client(pool, n) {
    const slow = n % 3 === 2; // a reporting client with a long query
    for (let q = 0; q < queriesPerClient; ++q) {
        let connection;
        try {
            connection = yield pool.acquire(acquireTimeoutMs);
        } catch (e) {
            if (e.name !== 'TimeoutError')
                throw e;
            stats.timeouts++;
            yield sleep(20); // back off, then try the next query
            continue;
        }
        try {
            yield query(connection, slow && q === 0 ? slowQueryMs : queryMs);
            stats.queries++;
        } finally {
            pool.release(connection); // `async with pool.acquire()` releases on every path
        }
    }
}

function* main() {
    const pool = new ConnectionPool(minSize, maxSize);
    yield pool.initialize();
    const clients = [];
    for (let i = 0; i < clientCount; ++i)
        clients.push(spawn('client-' + i, client, pool, i));
    yield gather(clients);
    log('connections opened:', pool.created, '(min ' + minSize + ', max ' + maxSize + '), peak in use:',
        pool.peakInUse);
    log('queries:', stats.queries, 'of', clientCount * queriesPerClient + ', acquire timeouts:', stats.timeouts);
    log('idle connections at the end:', pool.idle.length, 'of', pool.created);
}
