// CPU in several tasks, for comparing the CPU profile with perf (bench/cpu_vs_perf.py): JS
// arithmetic (sieve), native busy work (burn) and allocation-heavy JSON churn.
function primes(n) {
    let count = 0;
    for (let i = 2; i < n; ++i) {
        let prime = true;
        for (let j = 2; j * j <= i; ++j)
            if (i % j === 0) { prime = false; break; }
        if (prime) ++count;
    }
    return count;
}
function* sieve() {
    for (let k = 0; k < 20; ++k) { primes(60000); yield sleep(1); }
}
function* burner() {
    for (let k = 0; k < 10; ++k) { burn(15); yield sleep(2); }
}
function* jsonChurn() {
    for (let k = 0; k < 30; ++k) {
        const a = [];
        for (let i = 0; i < 3000; ++i) a.push({ id: i, name: 'item' + i, tags: ['x', 'y'] });
        JSON.parse(JSON.stringify(a));
        yield sleep(1);
    }
}
function* main() {
    yield gather([spawn('sieve', sieve), spawn('burner', burner), spawn('json-churn', jsonChurn)]);
}
