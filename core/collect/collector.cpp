#include "collect/collector.h"

#include "collect/slowcallbacklog.h"

#include <algorithm>
#include <pthread.h>

namespace coroscope {
namespace {
constexpr auto kRuleTickInterval = std::chrono::milliseconds(250);
} // namespace

Collector::Collector(const Settings& settings)
    : m_settings(settings)
    , m_state(settings)
    , m_rules(makeDefaultRules(settings)) {
    m_state.setObserver({
        .taskChanged =
            [this](const TaskInfo& task) {
                for (auto& rule : m_rules)
                    rule->onTaskChanged(task, m_state.tasks(), *this);
            },
        .slowCallback =
            [this](const SlowCallback& slow) {
                for (auto& rule : m_rules)
                    rule->onSlowCallback(slow, m_state.tasks(), *this);
            },
        .slowCallbackRetracted =
            [this](std::uint64_t dispatchSeq) {
                for (auto& rule : m_rules)
                    rule->onSlowCallbackRetracted(dispatchSeq, *this);
            },
    });
}

Collector::~Collector() {
    stop();
}

EventChannel& Collector::openChannel(std::string name, std::size_t capacity) {
    std::lock_guard lock(m_mutex);
    return *m_channels.emplace_back(std::make_unique<EventChannel>(std::move(name), capacity));
}

void Collector::start() {
    if (m_thread.joinable())
        return;
    m_thread = std::jthread([this](std::stop_token stop) {
        pthread_setname_np(pthread_self(), "coroscope-coll");
        run(stop);
    });
}

void Collector::stop() {
    if (m_thread.joinable()) {
        m_thread.request_stop();
        m_wake.notify_all();
        m_thread.join();
    }
    drain();
}

void Collector::run(std::stop_token stop) {
    auto nextRuleTick = std::chrono::steady_clock::now() + kRuleTickInterval;
    while (!stop.stop_requested()) {
        {
            std::unique_lock wake(m_wakeMutex);
            m_wake.wait_for(wake, stop, m_settings.collectorInterval, [] { return false; });
        }
        std::lock_guard lock(m_mutex);
        drainLocked();
        markLongDispatchRunningLocked();
        // The queue never makes the collector wait (see SessionDeltaQueue): when it is busy or
        // full, the tap simply keeps collecting until the next try.
        if (m_tap && std::chrono::steady_clock::now() >= m_nextSessionCut &&
            m_sessionQueue->tryPush([this] { return cutSessionDeltaLocked(); }))
            m_nextSessionCut = std::chrono::steady_clock::now() + m_sessionInterval;
        if (std::chrono::steady_clock::now() >= nextRuleTick) {
            nextRuleTick += kRuleTickInterval;
            m_state.refreshHeapAccounts();
            const std::int64_t now = Clock::nanosNow();
            for (auto& rule : m_rules)
                rule->onTick(m_state.tasks(), now, *this);
        }
    }
}

void Collector::markLongDispatchRunningLocked() {
    if (!m_loop || m_finished)
        return;
    const Clock::Ticks start = m_loop->dispatchStart.load(std::memory_order_relaxed);
    const std::uint64_t task = m_loop->runningTask.load(std::memory_order_relaxed);
    const Clock::Ticks now = Clock::now();
    // Longer than a few collector rounds: the task's own records are not coming until it returns.
    if (start != 0 && task != 0 && now > start && now - start > Clock::fromDuration(kRunningAfter))
        m_state.markRunningNow(task);
}

std::int64_t Collector::loopBlockedSinceNs() const {
    if (!m_loop)
        return 0;
    const Clock::Ticks start = m_loop->dispatchStart.load(std::memory_order_relaxed);
    const Clock::Ticks now = Clock::now();
    return start != 0 && now > start && now - start > Clock::fromDuration(kRunningAfter)
               ? Clock::sinceOrigin(start)
               : 0;
}

std::int64_t Collector::lagSoFarNs() const {
    if (!m_loop || loopBlockedSinceNs() == 0)
        return -1;
    const Clock::Ticks due = m_loop->probeDue.load(std::memory_order_relaxed);
    const Clock::Ticks now = Clock::now();
    return due != 0 && now > due ? Clock::toNanos(now - due) : -1;
}

void Collector::drain() {
    std::lock_guard lock(m_mutex);
    drainLocked();
}

void Collector::drainLocked() {
    if (m_finished) {
        // After the run: what the loop still does (writing the session's last batch, reports)
        // is not the workload's; applied, it would show in a snapshot and not in the session.
        for (auto& channel : m_channels)
            channel->drain([](Record&) {});
        return;
    }
    for (auto& channel : m_channels)
        channel->drain([this](Record& record) { m_state.apply(record); });
    m_state.resolvePendingNames(false);
}

void Collector::finish() {
    std::lock_guard lock(m_mutex);
    drainLocked();
    if (m_finished)
        return;
    m_finished = true;
    m_state.resolvePendingNames(true); // the loop is done: loading symbols can stall nothing now
    m_state.freezeHeapAccounts();
    const std::int64_t now = Clock::nanosNow();
    for (auto& rule : m_rules)
        rule->onShutdown(m_state.tasks(), now, *this);
}

std::uint64_t Collector::report(Diagnostic diagnostic) {
    std::size_t& count = m_diagnosticsPerRule[diagnostic.rule];
    if (count >= m_settings.maxDiagnosticsPerRule) {
        m_state.countDiagnosticOverLimit();
        return 0;
    }
    ++count;
    const std::uint64_t id = m_nextDiagnosticId++;
    diagnostic.id = id;
    m_diagnostics.emplace(id, std::move(diagnostic));
    m_diagnosticsToSend.insert(id);
    return id;
}

void Collector::revise(std::uint64_t id, Diagnostic diagnostic) {
    const auto it = m_diagnostics.find(id);
    if (it == m_diagnostics.end())
        return;
    diagnostic.id = id;
    it->second = std::move(diagnostic);
    m_diagnosticsToSend.insert(id);
}

void Collector::withdraw(std::uint64_t id) {
    const auto it = m_diagnostics.find(id);
    if (it == m_diagnostics.end())
        return;
    --m_diagnosticsPerRule[it->second.rule];
    m_diagnostics.erase(it);
    // Not yet sent: nothing to take back from the session.
    if (m_diagnosticsToSend.erase(id) == 0)
        m_diagnosticsWithdrawn.push_back(id);
}

void Collector::enableSessionTap(session::SessionDeltaQueue& queue, std::chrono::milliseconds interval) {
    std::lock_guard lock(m_mutex);
    if (!m_tap) {
        m_tap = std::make_unique<session::SessionTap>();
        m_state.setSessionTap(m_tap.get());
        m_sessionQueue = &queue;
        m_sessionInterval = interval;
        m_nextSessionCut = std::chrono::steady_clock::now() + interval;
    }
}

void Collector::flushSessionTap() {
    std::lock_guard lock(m_mutex);
    if (!m_tap)
        return;
    drainLocked();
    m_tap->sampleTaskMemoryNextTake();
    m_sessionQueue->pushLast(cutSessionDeltaLocked(/*final*/ true));
}

session::SessionDelta Collector::cutSessionDeltaLocked(bool final) {
    m_state.refreshHeapAccounts();
    session::SessionDelta d =
        m_tap->take(m_state.tasks(), m_state.slowCallbacks(), m_state.loop(), Clock::nanosNow());
    for (const std::uint64_t id : m_diagnosticsToSend)
        d.diagnostics.push_back(m_diagnostics.at(id));
    m_diagnosticsToSend.clear();
    d.withdrawnDiagnosticIds = std::exchange(m_diagnosticsWithdrawn, {});
    // The last cut is made by the profiler's stop, on the loop thread: the dispatch in progress
    // then is the stop's own (the sampler's last symbolization can take hundreds of ms), not the
    // workload's, and the run's snapshot counts none of it. Counted, the session's utilization
    // differed from the snapshot's (0.40 against 0.38, test_session under load, 2 runs in 5).
    if (!final) {
        d.lagSoFarNs = lagSoFarNs();
        addOngoingBusyLocked(d);
        // The probe's wall time ends at its last tick; a block since then is busy time the next
        // tick will count. Counted now, the loop reads busy while it is blocked, not "busy 1 %".
        if (loopBlockedSinceNs() != 0 && m_state.loop().lastTickNs() >= 0)
            d.loopWallNs += std::max<std::int64_t>(0, d.tNs - m_state.loop().lastTickNs());
    }
    addCpuProfileLocked(d);
    d.drops = m_state.drops();
    d.drops.records += channelDropsTotal();
    d.drops.segments += channelDrops(RecordKind::TaskSegment);
    return d;
}

void Collector::addCpuProfileLocked(session::SessionDelta& d) const {
    if (!m_cpuTree)
        return;
    CallingContextTree::Changes changes = m_cpuTree->takeChanges();
    d.cpuFrames = std::move(changes.frames);
    d.cpuNodes = std::move(changes.nodes);
    for (std::size_t i = 0; i < d.cpuNodes.size(); ++i) {
        const int type = changes.nodeEventTypes[i];
        if (d.cpuNodes[i].parent == 0 && type != CallingContextTree::kNoEvent)
            d.cpuNodes[i].eventType = eventTypeName(type);
    }
    d.cpuSamples = std::move(changes.samples);
    d.cpu = changes.counters;
    d.cpuIntervalNs = std::chrono::nanoseconds(m_cpuInterval).count();
}

void Collector::addOngoingBusyLocked(session::SessionDelta& d) const {
    const std::int64_t since = loopBlockedSinceNs();
    if (since == 0)
        return;
    const TaskInfo* task = m_state.tasks().task(m_loop->runningTask.load(std::memory_order_relaxed));
    if (!task || task->state != TaskState::Running)
        return;
    // Its segment has not ended, so its busy time does not have it yet: the row counts the block
    // so far (from the dispatch's start, within µs of the segment's) until the segment's own
    // figure replaces it.
    auto row =
        std::find_if(d.tasks.begin(), d.tasks.end(), [&](const TaskInfo& t) { return t.id == task->id; });
    if (row == d.tasks.end()) {
        d.tasks.push_back(*task);
        row = std::prev(d.tasks.end());
        row->awaiting = m_state.tasks().describeAwait(*task);
    }
    row->busyNs = task->busyNs + std::max<std::int64_t>(0, d.tNs - since);
}

std::uint64_t Collector::channelDrops(RecordKind kind) const {
    std::uint64_t dropped = 0;
    for (const auto& channel : m_channels)
        dropped += channel->dropped(kind);
    return dropped;
}

std::uint64_t Collector::channelDropsTotal() const {
    std::uint64_t dropped = 0;
    for (const auto& channel : m_channels)
        dropped += channel->droppedTotal();
    return dropped;
}

RunSnapshot Collector::snapshot() const {
    std::lock_guard lock(m_mutex);
    RunSnapshot s = m_state.snapshot(Clock::nanosNow());
    s.diagnostics.reserve(m_diagnostics.size());
    for (const auto& [id, diagnostic] : m_diagnostics)
        s.diagnostics.push_back(diagnostic);
    s.drops.records += channelDropsTotal();
    s.drops.segments += channelDrops(RecordKind::TaskSegment);
    return s;
}

} // namespace coroscope
