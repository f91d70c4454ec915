// A sliding-window rate limiter lets 20 calls through every 500 ms, whoever asks.
//
// The seeds' RateLimiter(rate, period) exercise: `async with RateLimiter(100, 60)` around every
// call to an external API. The window remembers when each admitted call started; a caller that
// finds `rate` calls in the last `period` sleeps until the oldest one leaves the window.
// 60 callers ask at once, so most of them wait.
//
// What Coroscope should find:
//   * callers suspended on `sleep` inside the limiter (not on the API): the wait is the limiter's;
//   * latency metrics `limiter-wait` (calls samples, the slowest about
//     (calls / rate - 1) x period) and `api-call`;
//   * the run lasts at least (calls / rate - 1) x period; no slow callbacks, no diagnostics.
// The log reports the most calls seen in any sliding window: never more than the rate.
//
// Params: calls (60), rate (20), period_ms (500), api_ms (20).

function param(name, fallback) {
    return params[name] === undefined ? fallback : Number(params[name]);
}

const callCount = param('calls', 60);
const rate = param('rate', 20);
const periodMs = param('period_ms', 500);
const apiMs = param('api_ms', 20);

class RateLimiter {
    constructor(rate, periodMs) {
        this.rate = rate;
        this.periodMs = periodMs;
        this.admitted = []; // start times of the calls in the current window, oldest first
    }

    // `async with limiter:` — returns once this call fits in the window.
    *acquire() {
        const asked = now();
        for (;;) {
            const t = now();
            while (this.admitted.length && this.admitted[0] <= t - this.periodMs)
                this.admitted.shift();
            if (this.admitted.length < this.rate) {
                this.admitted.push(t);
                record('limiter-wait', t - asked);
                return t;
            }
            yield sleep(this.admitted[0] + this.periodMs - t + 1);
        }
    }
}

const startTimes = [];

function* limitedApiCall(limiter, i) {
    startTimes.push(yield limiter.acquire());
    const response = yield measure('api-call', http.get('/external/api/' + i + '?delay=' + apiMs));
    return response.status;
}

// The most calls that started within any `periodMs`: what the remote API would count.
function busiestWindow(times) {
    times.sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, first = 0; i < times.length; ++i) {
        while (times[first] <= times[i] - periodMs)
            first++;
        most = Math.max(most, i - first + 1);
    }
    return most;
}

function* main() {
    const limiter = new RateLimiter(rate, periodMs);
    const started = now();
    const callers = [];
    for (let i = 0; i < callCount; ++i)
        callers.push(spawn('caller-' + i, limitedApiCall, limiter, i));
    const statuses = yield gather(callers);
    const ok = statuses.filter(s => s === 200).length;
    log('calls:', ok, 'of', callCount, 'answered 200 in', Math.round(now() - started), 'ms');
    log('busiest window:', busiestWindow(startTimes), 'calls per', periodMs, 'ms (rate ' + rate + ')');
}
