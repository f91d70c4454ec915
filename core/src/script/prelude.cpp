#include "script/prelude.h"

namespace coroscope::script {

// The script API, in JavaScript, on top of the host object (`__host`, a ScriptRuntime).
// Awaitables are plain objects with an `__op`: 1 sleep, 2 gather, 3 a Task. Yielding a generator
// object runs it inline, in the same task (like `await coro()` in Python).
const char* const kPrelude = R"JS(
var __host;
function __where() {
    // Frame 0 is __where, 1 the API function, 2 the script's own line.
    var frames = new Error().stack.split('\n');
    return frames.length > 2 ? frames[2] : '';
}
function sleep(ms) { return { __op: 1, ms: Number(ms) || 0 }; }
class Task {
    constructor(id, name) { this.__op = 3; this.id = id; this.name = name; }
    cancel() { __host.cancelTask(this.id); }
    get done() { return __host.taskDone(this.id); }
    get state() { return __host.taskState(this.id); }
    toString() { return 'Task #' + this.id + ' (' + this.name + ')'; }
}
function spawn(first, ...rest) {
    var name, fn;
    if (typeof first === 'string') { name = first; fn = rest.shift(); } else { fn = first; name = fn && fn.name; }
    if (typeof fn !== 'function')
        throw new TypeError('spawn: expected a generator function, got ' + typeof fn);
    name = name || 'task';
    return new Task(__host.spawn(name, fn, rest, __where()), name);
}
function __asTask(item, index, where) {
    if (item instanceof Task) return item;
    var name = 'gather[' + index + ']';
    if (item && typeof item.next === 'function' && typeof item.throw === 'function')
        return new Task(__host.spawnGenerator(name, item, where), name);
    return new Task(__host.spawn(name, function* () { return yield item; }, [], where), name);
}
function __gather(items, settled) {
    if (items.length === 1 && Array.isArray(items[0])) items = items[0];
    var where = __where();
    return { __op: 2, tasks: items.map(function (item, i) { return __asTask(item, i, where); }), settled: settled };
}
function gather(...items) { return __gather(items, false); }
function gatherSettled(...items) { return __gather(items, true); }
function blockFor(ms) { __host.blockFor(Number(ms) || 0, __where()); }
function burn(ms) { __host.burn(Number(ms) || 0, __where()); }
function log(...args) { __host.log(args.map(function (a) { return String(a); }).join(' ')); }
var console = { log: log, info: log, warn: log, error: log, debug: log };
function now() { return __host.now(); }
)JS";

} // namespace coroscope::script
