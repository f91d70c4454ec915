// Flaky upstream calls (30 % answer 500) retried with exponential backoff.
//
// The seeds' ResilientDataFetcher.fetch_with_retry(): up to max_retries attempts, waiting
// 2 ** attempt between them, re-raising the last error. Which attempts fail is drawn with
// random() before anything runs, so --seed N replays the same failures.
//
// What Coroscope should find:
//   * latency metrics `attempt` (one sample per try) and `request` (requests samples, from
//     the first try to the answer: the retried ones are slower by their backoff);
//   * fetch tasks suspended on `sleep` between attempts (the backoff);
//   * a request that used up its retries fails its task, and main collects it with
//     gatherSettled(), so there is no exception-never-retrieved; no slow callbacks.
// The log reports each retry, and how many requests succeeded first time, after retries, or
// not at all.
//
// Params: requests (20), failure_rate (0.3), max_retries (4), backoff_ms (20), delay_ms (20).

function param(name, fallback) {
    return params[name] === undefined ? fallback : Number(params[name]);
}

const requestCount = param('requests', 20);
const failureRate = param('failure_rate', 0.3);
const maxRetries = param('max_retries', 4);
const backoffMs = param('backoff_ms', 20);
const delayMs = param('delay_ms', 20);

class HttpStatusError extends Error {
    constructor(status, url) {
        super('GET ' + url + ' answered ' + status);
        this.name = 'HttpStatusError';
        this.status = status;
    }
}

// failurePlan[i][attempt]: whether that attempt of request i gets a 500.
const failurePlan = [];
for (let i = 0; i < requestCount; ++i) {
    failurePlan.push([]);
    for (let attempt = 0; attempt <= maxRetries; ++attempt)
        failurePlan[i].push(random() < failureRate);
}

// _fetch_data: a simulated server error now and then.
function* fetchData(i, attempt) {
    const failing = failurePlan[i][attempt];
    const url = '/api/flaky/' + i + '?delay=' + delayMs + (failing ? '&status=500' : '');
    const response = yield measure('attempt', http.get(url));
    if (response.status >= 500)
        throw new HttpStatusError(response.status, url);
    return response.body;
}

let retries = 0;

function* fetchWithRetry(i) {
    const started = now();
    for (let attempt = 0; ; ++attempt) {
        try {
            yield fetchData(i, attempt);
            record('request', now() - started);
            return attempt; // how many retries it took
        } catch (e) {
            if (attempt === maxRetries)
                throw e; // out of retries: the caller sees the last error
            const wait = backoffMs * Math.pow(2, attempt);
            retries++;
            log('request', i, 'attempt', attempt + 1, 'failed (' + e.message + '), retrying in', wait, 'ms');
            yield sleep(wait);
        }
    }
}

function* main() {
    const tasks = [];
    for (let i = 0; i < requestCount; ++i)
        tasks.push(spawn('fetch-' + i, fetchWithRetry, i));
    const outcomes = yield gatherSettled(tasks);
    const firstTime = outcomes.filter(o => o.ok && o.value === 0).length;
    const afterRetries = outcomes.filter(o => o.ok && o.value > 0).length;
    const gaveUp = outcomes.filter(o => !o.ok).length;
    log('requests:', requestCount + ',', firstTime, 'first time,', afterRetries, 'after retries,', gaveUp,
        'gave up;', retries, 'retries in all');
}
