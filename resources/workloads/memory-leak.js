// A cache coroutine keeps every entry it ever fetched: memory grows until the process dies.
//
// The seeds' leaking_coro(): `cache.append(await get_data())` in an endless loop, found with
// objgraph/tracemalloc snapshots. Here the leaking cache keys a Map by request id and never
// evicts; next to it an LRU cache of the same traffic evicts (and frees) its oldest entry past
// `lru_entries`, so its memory stays flat.
//
// What Coroscope should find:
//   * a memory-growth diagnostic naming `leaking_cache` (and only it): about 10 MiB more live
//     memory every second (> 20 MiB over the run), never given back;
//   * `leaking_cache` first in memory.by_task, still holding (nearly) all it allocated;
//     `lru_cache` allocates as much but keeps only about lru_entries x chunk_kib live.
//
// Params: duration_ms (3000), chunk_kib (256), interval_ms (25), lru_entries (8).

function param(name, fallback) {
    return params[name] === undefined ? fallback : Number(params[name]);
}

const durationMs = param('duration_ms', 3000);
const chunkBytes = param('chunk_kib', 256) * 1024;
const intervalMs = param('interval_ms', 25);
const lruEntries = param('lru_entries', 8);

// get_data(): a response of chunk_kib, held in memory by whoever caches it.
function* getData(key) {
    yield sleep(intervalMs);
    return alloc(chunkBytes);
}

// The leak: every response is kept forever.
function* leakingCache(stop) {
    const cache = new Map();
    for (let key = 0; !stop.isSet; ++key)
        cache.set('item-' + key, yield getData(key));
    let bytes = 0;
    cache.forEach(buffer => { bytes += buffer.size; });
    return { entries: cache.size, bytes: bytes };
}

// The fix: a bounded LRU cache frees what it evicts.
function* lruCache(stop) {
    const cache = new Map(); // insertion order = least recently used first
    let evicted = 0;
    for (let key = 0; !stop.isSet; ++key) {
        cache.set('item-' + key, yield getData(key));
        if (cache.size > lruEntries) {
            const oldest = cache.keys().next().value;
            cache.get(oldest).free();
            cache.delete(oldest);
            evicted++;
        }
    }
    return { entries: cache.size, evicted: evicted };
}

function* main() {
    const stop = new Event();
    const leaking = spawn('leaking_cache', leakingCache, stop);
    const lru = spawn('lru_cache', lruCache, stop);
    yield sleep(durationMs);
    stop.set();
    const [leaked, bounded] = yield gather(leaking, lru);
    log('leaking_cache:', leaked.entries, 'entries,', (leaked.bytes / 1048576).toFixed(1), 'MiB still held');
    log('lru_cache:', bounded.entries, 'entries,', bounded.evicted, 'evicted and freed');
}
