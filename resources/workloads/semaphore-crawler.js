// A crawler fetches 100 pages with at most 20 in flight, limited by a Semaphore(20).
//
// The seeds' scrape_all(): sem = asyncio.Semaphore(20); every page is a task, and each one
// does `async with sem:` around its request, so a burst of tasks never becomes a burst of
// requests. One page in ten is a dead link (404).
//
// What Coroscope should find:
//   * one task per page, most of them suspended on `semaphore.acquire` early in the run;
//   * latency metric `page` (pages samples): more than delay_ms, because Qt's network stack
//     opens at most 6 connections per host, so of the 20 requests the semaphore lets through
//     only 6 are on the wire; the rest queue inside the client (aiohttp's limit_per_host);
//   * no slow callbacks and no diagnostics.
// The log reports the peak number of pages inside the semaphore: never more than the limit.
//
// Params: pages (100), limit (20), delay_ms (50).

function param(name, fallback) {
    return params[name] === undefined ? fallback : Number(params[name]);
}

const pageCount = param('pages', 100);
const limit = param('limit', 20);
const delayMs = param('delay_ms', 50);

let active = 0;
let peak = 0;

function* scrapePage(i) {
    const status = i % 10 === 9 ? 404 : 200; // a dead link now and then
    const response = yield measure('page', http.get('/site/page/' + i + '?delay=' + delayMs + '&status=' +
                                                    status + '&bytes=2048'));
    return { page: i, status: response.status, bytes: response.body.length };
}

// limited_scrape: the semaphore is held for the whole request, released even if it throws.
function* limitedScrape(sem, i) {
    yield sem.acquire();
    active++;
    peak = Math.max(peak, active);
    try {
        return yield scrapePage(i);
    } finally {
        active--;
        sem.release();
    }
}

function* main() {
    const sem = new Semaphore(limit);
    const started = now();
    const tasks = [];
    for (let i = 0; i < pageCount; ++i)
        tasks.push(spawn('page-' + i, limitedScrape, sem, i));
    const pages = yield gather(tasks);
    const ok = pages.filter(p => p.status === 200).length;
    const bytes = pages.reduce((sum, p) => sum + p.bytes, 0);
    log('crawled', pages.length, 'pages in', Math.round(now() - started), 'ms:', ok, 'ok,',
        pages.length - ok, 'not found,', bytes, 'bytes');
    log('peak concurrency:', peak, '(limit ' + limit + ')');
}
