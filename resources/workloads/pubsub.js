// Publish/subscribe between tasks: a broker fans each message out to the queues of its subscribers.
//
// The seeds' Redis pub/sub (redis_publisher / redis_subscriber with `async for message in
// pubsub.listen()`) and MessageHub, done in-process: each subscription is a bounded Queue, a
// publisher's put() waits while a subscriber's queue is full (backpressure), and a `null`
// message closes a channel. The `audit` subscriber reads both channels and is slow.
//
// What Coroscope should find:
//   * publishers suspended on `queue.put` while the slow `audit` subscriber falls behind;
//     subscribers suspended on `queue.get` while the channels are quiet;
//   * latency metric `delivery` (publish to receive): its max is much larger than its p50,
//     because of `audit`; `delivery-audit` alone shows it;
//   * every task completes on its own (nothing cancelled, nothing leaked), no diagnostics.
// The log reports what each subscriber received: every message of the channels it follows.
//
// Params: messages (50 per publisher), interval_ms (5), slow_ms (10), queue_size (10).

function param(name, fallback) {
    return params[name] === undefined ? fallback : Number(params[name]);
}

const messageCount = param('messages', 50);
const intervalMs = param('interval_ms', 5);
const slowMs = param('slow_ms', 10);
const queueSize = param('queue_size', 10);

class Broker {
    constructor() {
        this.channels = new Map(); // channel -> [Queue]
    }
    subscribe(channel) {
        const queue = new Queue(queueSize);
        if (!this.channels.has(channel))
            this.channels.set(channel, []);
        this.channels.get(channel).push(queue);
        return queue;
    }
    // Delivered to every subscriber in turn; waits while one of them is full.
    *publish(channel, message) {
        for (const queue of this.channels.get(channel) || [])
            yield queue.put(message);
    }
}

function* publisher(broker, channel) {
    for (let i = 0; i < messageCount; ++i) {
        yield broker.publish(channel, { channel: channel, seq: i, sent: now() });
        yield sleep(intervalMs);
    }
    yield broker.publish(channel, null); // close the channel
}

// Reads its subscriptions in turn until every one is closed; returns the count per channel.
function* subscriber(name, queues, workMs) {
    const received = {};
    const open = queues.slice();
    while (open.length) {
        const queue = open.shift();
        const message = yield queue.get();
        if (message === null)
            continue; // that channel is closed: drop the subscription
        open.push(queue); // round robin between channels
        const latency = now() - message.sent;
        record('delivery', latency);
        record('delivery-' + name, latency);
        received[message.channel] = (received[message.channel] || 0) + 1;
        if (workMs)
            yield sleep(workMs); // handling one message
    }
    return received;
}

function* main() {
    const broker = new Broker();
    const subscribers = [
        spawn('sub-orders', subscriber, 'orders', [broker.subscribe('orders')], 0),
        spawn('sub-alerts', subscriber, 'alerts', [broker.subscribe('alerts')], 0),
        spawn('sub-audit', subscriber, 'audit', [broker.subscribe('orders'), broker.subscribe('alerts')], slowMs),
    ];
    const publishers = [spawn('pub-orders', publisher, broker, 'orders'),
                        spawn('pub-alerts', publisher, broker, 'alerts')];
    yield gather(publishers);
    const received = yield gather(subscribers);
    const names = ['sub-orders', 'sub-alerts', 'sub-audit'];
    for (let i = 0; i < names.length; ++i)
        log(names[i], 'received', JSON.stringify(received[i]));
}
