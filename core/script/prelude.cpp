#include "script/prelude.h"

#include "script/awaitop_p.h"

namespace coroscope::script {

// The script API, in JavaScript, on top of the host object (`__host`, a ScriptRuntime).
// Awaitables are plain objects with an `__op` (awaitop_p.h; written @OP_NAME@ here). Yielding a
// generator object runs it inline, in the same task (like `await coro()` in Python): measure() is such a
// generator, so it creates no task of its own.
const char* const kPrelude = R"JS(
var __host;
// The host's hot methods, looked up once: every `__host.name` made a new method object, a third of
// what a call to the host cost (api-gateway-100k's own CPU profile: QObjectMethod::create). now,
// random and record are the engine's own functions (hostbuiltins.cpp), cheaper still.
var __hostNow, __hostRandom, __hostRecord, __hostWake, __hostNewWaiter;
function __bindHost(host) {
    __host = host;
    __hostNow = __nativeNow; __hostRandom = __nativeRandom; __hostRecord = __nativeRecord;
    __hostWake = host.wake; __hostNewWaiter = host.newWaiter;
}
var __L = {}; // yield markers: the runtime defines a native setter per marked line (yieldmarker.h)
// A duration argument: a number of milliseconds (a numeric string from params too). NaN, objects
// and missing values are the script's mistake, said at its line; negative means 0, as in asyncio.
function __ms(ms, what) {
    var n = typeof ms === 'number' || typeof ms === 'string' ? Number(ms) : NaN;
    if (Number.isNaN(n) || (typeof ms === 'string' && ms.trim() === ''))
        throw new TypeError(what + ': expected a duration in milliseconds, got ' + (typeof ms === 'string' ? "'" + ms.slice(0, 64) + "'" : String(ms)));
    return n;
}
// The common case first: a plain non-negative number needs no checking (NaN fails `>= 0`).
function sleep(ms) {
    if (typeof ms === 'number' && ms >= 0) return { __op: @OP_SLEEP@, ms: ms };
    return { __op: @OP_SLEEP@, ms: Math.max(0, __ms(ms, 'sleep')) };
}
class Task {
    constructor(id, name) { this.__op = @OP_TASK@; this.id = id; this.name = name; }
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
    // The host takes the script's line from the engine's frames (its spawn location).
    var generator = fn(...rest);
    if (!__isGenerator(generator))
        throw new TypeError("spawn: '" + name + "' is not a generator function (function*)");
    return new Task(__host.spawnGenerator(name, generator), name);
}
function __isGenerator(item) { return !!item && typeof item.next === 'function' && typeof item.throw === 'function'; }
function* __awaitOne(item) { return yield item; }
function __asTask(item, index, kind) {
    if (item instanceof Task) return item;
    var name = (kind || 'gather') + '[' + index + ']';
    return new Task(__host.spawnGenerator(name, __isGenerator(item) ? item : __awaitOne(item)), name);
}
function __gather(items, settled) {
    if (items.length === 1 && Array.isArray(items[0])) items = items[0];
    return { __op: @OP_GATHER@, tasks: items.map(function (item, i) { return __asTask(item, i); }), settled: settled };
}
function gather(...items) { return __gather(items, false); }
function gatherSettled(...items) { return __gather(items, true); }
function __finiteMs(ms, what) {
    var n = __ms(ms, what);
    if (!Number.isFinite(n)) throw new RangeError(what + ': ' + n + ' ms would never return');
    return Math.max(0, n);
}
function blockFor(ms) { __host.blockFor(__finiteMs(ms, 'blockFor')); }
function burn(ms) { __host.burn(__finiteMs(ms, 'burn')); }
function log(...args) { __host.log(args.map(function (a) { return String(a); }).join(' ')); }
var console = { log: log, info: log, warn: log, error: log, debug: log };
function now() { return __hostNow(); }
function random() { return __hostRandom(); }
// An int32 result as an integer value (`r | 0`): Math.floor() gives a double, and V4 indexes an
// array with a double through a number-to-string conversion (~10x slower, docs/scripting.md).
function randint(a, b) {
    a = Math.ceil(a); b = Math.floor(b);
    var r = a + Math.floor(__hostRandom() * (b - a + 1));
    return (r | 0) === r ? r | 0 : r;
}
function record(name, ms) { __hostRecord(String(name), Number(ms)); }
function* __measured(name, awaitable) {
    var start = __hostNow();
    try { return yield awaitable; } finally { __hostRecord(name, __hostNow() - start); }
}
function measure(name, awaitable) { return __measured(String(name), awaitable); }
function timeout(ms, awaitable) { return { __op: @OP_TIMEOUT@, ms: __ms(ms, 'timeout'), task: __asTask(awaitable, 0, 'timeout') }; }
function race(...items) {
    if (items.length === 1 && Array.isArray(items[0])) items = items[0];
    return { __op: @OP_RACE@, tasks: items.map(function (item, i) { return __asTask(item, i, 'race'); }) };
}
function offload(ms) { return { __op: @OP_OFFLOAD@, ms: __finiteMs(ms, 'offload') }; }
class Buffer {
    constructor(id, size) { this.id = id; this.size = size; this._freed = false; }
    free() { if (!this._freed) { this._freed = true; __host.release(this.id); } }
}
function alloc(bytes) { return new Buffer(__host.alloc(Number(bytes)), Number(bytes)); }
var http = { get: function (url) { return { __op: @OP_HTTP_GET@, url: String(url) }; } };
function __ready(value) { return { __op: @OP_READY@, value: value }; }
function __waitFor(list, label, extra) {
    var id = __hostNewWaiter();
    list.push(extra === undefined ? id : { id: id, extra: extra });
    return { __op: @OP_WAITER@, id: id, label: label };
}

class QueueEmpty extends Error { constructor() { super('queue is empty'); this.name = 'QueueEmpty'; } }
class QueueFull extends Error { constructor() { super('queue is full'); this.name = 'QueueFull'; } }
class Queue {
    constructor(maxsize = 0) {
        this.maxsize = Number(maxsize) || 0;
        this._items = []; this._getters = []; this._putters = []; this._joiners = []; this._unfinished = 0;
    }
    get size() { return this._items.length; }
    _full() { return this.maxsize > 0 && this._items.length >= this.maxsize; }
    _wakeGetters() {
        while (this._getters.length && this._items.length) {
            // A cancelled getter refuses the item: it stays for the next one.
            if (__hostWake(this._getters.shift(), this._items[0])) { this._items.shift(); this._wakePutters(); }
        }
    }
    _wakePutters() {
        while (this._putters.length && !this._full()) {
            var p = this._putters.shift();
            if (__hostWake(p.id, undefined)) { this._items.push(p.extra); this._unfinished++; this._wakeGetters(); }
        }
    }
    putNowait(item) {
        if (this._full()) throw new QueueFull();
        this._items.push(item); this._unfinished++; this._wakeGetters();
    }
    getNowait() {
        if (!this._items.length) throw new QueueEmpty();
        var item = this._items.shift(); this._wakePutters(); return item;
    }
    put(item) {
        if (!this._full() && !this._putters.length) { this.putNowait(item); return __ready(undefined); }
        return __waitFor(this._putters, 'queue.put', item);
    }
    get() {
        if (this._items.length && !this._getters.length) return __ready(this.getNowait());
        return __waitFor(this._getters, 'queue.get');
    }
    taskDone() {
        if (this._unfinished <= 0) throw new Error('taskDone() called more times than there were items');
        if (--this._unfinished === 0) { for (var id of this._joiners) __hostWake(id, undefined); this._joiners = []; }
    }
    join() { return this._unfinished === 0 ? __ready(undefined) : __waitFor(this._joiners, 'queue.join'); }
}
class Semaphore {
    constructor(value = 1) {
        var n = typeof value === 'number' || typeof value === 'string' ? Number(value) : NaN;
        if (!Number.isInteger(n))
            throw new TypeError('Semaphore: the initial value must be a whole number, got ' + (typeof value === 'string' ? "'" + value.slice(0, 64) + "'" : String(value)));
        if (n < 0) throw new RangeError('Semaphore: the initial value must be >= 0, got ' + n);
        this._value = n; this._waiters = [];
    }
    get value() { return this._value; }
    _acquire(label) {
        if (this._value > 0 && !this._waiters.length) { this._value--; return __ready(true); }
        return __waitFor(this._waiters, label);
    }
    acquire() { return this._acquire('semaphore.acquire'); }
    release() {
        while (this._waiters.length) if (__hostWake(this._waiters.shift(), true)) return; // handed over
        this._value++;
    }
}
class Lock extends Semaphore {
    constructor() { super(1); }
    get locked() { return this._value === 0; }
    acquire() { return this._acquire('lock.acquire'); }
}
class Event {
    constructor() { this._set = false; this._waiters = []; }
    get isSet() { return this._set; }
    set() {
        if (this._set) return;
        this._set = true;
        for (var id of this._waiters) __hostWake(id, true);
        this._waiters = [];
    }
    clear() { this._set = false; }
    wait() { return this._set ? __ready(true) : __waitFor(this._waiters, 'event.wait'); }
}
// Class declarations are lexical: QJSEngine does not show them to scripts evaluated later, so
// the API's classes are published on the global object.
(function (global) {
    global.Task = Task; global.Queue = Queue; global.QueueEmpty = QueueEmpty; global.QueueFull = QueueFull;
    global.Semaphore = Semaphore; global.Lock = Lock; global.Event = Event; global.Buffer = Buffer;
})(this);
)JS";

const QString& preludeSource() {
    static const QString source = [] {
        QString text = QString::fromUtf8(kPrelude);
        for (const AwaitOpToken& op : kAwaitOpTokens)
            text.replace(op.token, QString::number(int(op.op)));
        return text;
    }();
    return source;
}

} // namespace coroscope::script
