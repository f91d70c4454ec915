// A monitoring loop gathers seven collectors every interval, keeps sliding-window stats, raises alerts.
//
// The seeds' RealTimeMonitoringSystem: each round gathers the API, database and file collectors
// at once (asyncio.gather), then gathers add_data() to a per-source sliding window
// (DataAggregator, last 10 values) with evaluate_alert() against the alert rules (an alert
// fires once per rule and metric: active_alerts), prints the statistics and sleeps until the
// next round. API collectors really call the endpoint; the others simulate their queries.
//
// What Coroscope should find:
//   * a burst of collector tasks per round (children of main), each a few tens of ms;
//   * latency metrics `collect-round` (rounds samples, each at least the slowest collector),
//     `api_response_time`, `db_query_time` and `file_scan_time` (what the collectors measured);
//   * no slow callbacks and no diagnostics.
// The log prints every alert once and the window statistics of each source per round.
//
// Params: rounds (5), interval_ms (200), window (10).

function param(name, fallback) {
    return params[name] === undefined ? fallback : Number(params[name]);
}

const rounds = param('rounds', 5);
const intervalMs = param('interval_ms', 200);
const windowSize = param('window', 10);

function uniform(a, b) {
    return a + random() * (b - a);
}

// --- DataCollector ---------------------------------------------------------------------------
function* collectApiMetrics(endpoint) {
    const started = now();
    const response = yield http.get(endpoint + '?delay=' + Math.round(uniform(10, 120)));
    const responseTime = now() - started;
    record('api_response_time', responseTime);
    return { source: 'api', target: endpoint, metric: 'api_response_time', value: responseTime,
             status: response.status };
}

function* collectDbMetrics(db) {
    const started = now();
    yield sleep(uniform(20, 80)); // SELECT count(*) FROM pg_stat_activity
    record('db_query_time', now() - started);
    return { source: 'database', target: db, metric: 'queries_per_second', value: uniform(100, 1000) };
}

function* collectFileMetrics(path) {
    const started = now();
    yield sleep(uniform(10, 30)); // stat() the file
    record('file_scan_time', now() - started);
    return { source: 'file', target: path, metric: 'file_size', value: uniform(1024, 10485760) };
}

// --- DataAggregator: the last `windowSize` values of one source ------------------------------
class DataAggregator {
    constructor(size) {
        this.size = size;
        this.values = [];
    }
    *addData(data) {
        this.values.push(data.value);
        if (this.values.length > this.size)
            this.values.shift();
    }
    statistics() {
        const v = this.values;
        if (!v.length)
            return null;
        return { count: v.length, mean: v.reduce((a, b) => a + b, 0) / v.length, max: Math.max(...v),
                 min: Math.min(...v), latest: v[v.length - 1] };
    }
}

// --- AlertManager ----------------------------------------------------------------------------
class AlertManager {
    constructor() {
        this.rules = {
            high_response_time: d => d.metric === 'api_response_time' && d.value > 100,
            low_query_performance: d => d.metric === 'queries_per_second' && d.value < 200,
            large_file: d => d.metric === 'file_size' && d.value > 5242880,
        };
        this.active = new Set();
    }
    *evaluate(data) {
        yield sleep(1); // evaluating costs a little time
        for (const name of Object.keys(this.rules)) {
            if (!this.rules[name](data))
                continue;
            const key = name + ' ' + data.target;
            if (!this.active.has(key)) { // each alert fires once
                this.active.add(key);
                log('ALERT', key, 'value', data.value.toFixed(1));
            }
            return true;
        }
        return false;
    }
}

// --- RealTimeMonitoringSystem ----------------------------------------------------------------
function* main() {
    const endpoints = ['/api/users', '/api/orders', '/api/products'];
    const databases = ['primary_db', 'replica_db'];
    const files = ['/var/log/app.log', '/tmp/cache.data'];
    const aggregators = { api: new DataAggregator(windowSize), database: new DataAggregator(windowSize),
                          file: new DataAggregator(windowSize) };
    const alerts = new AlertManager();

    for (let round = 1; round <= rounds; ++round) {
        const started = now();
        const collectors = [];
        for (const e of endpoints)
            collectors.push(spawn('collect-api', collectApiMetrics, e));
        for (const d of databases)
            collectors.push(spawn('collect-db', collectDbMetrics, d));
        for (const f of files)
            collectors.push(spawn('collect-file', collectFileMetrics, f));
        const collected = yield gather(collectors);
        record('collect-round', now() - started);

        const processing = [];
        for (const data of collected)
            processing.push(aggregators[data.source].addData(data), alerts.evaluate(data));
        yield gather(processing);

        const summary = Object.keys(aggregators).map(source => {
            const s = aggregators[source].statistics();
            return source + ' n=' + s.count + ' mean=' + s.mean.toFixed(0) + ' max=' + s.max.toFixed(0);
        });
        log('round', round + ':', summary.join('; '));
        yield sleep(intervalMs);
    }
    log('rounds:', rounds + ', active alerts:', alerts.active.size);
}
