// Hostile strings in every place a report shows one (test_golden): a task name, an error, a
// metric name, a log line. Each must come out escaped for its format, never raw.
const evil = '<img src=x onerror=alert(1)>"\',|`*_[x](y)\n=cmd';
function* victim() { yield sleep(5); throw new Error(evil); }
function* main() {
    const t = spawn(evil, victim);
    yield measure(evil, sleep(3));
    yield gatherSettled(t);
    blockFor(120);
    log(evil);
}
