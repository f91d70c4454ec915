#include "runstate.h"

#include "format.h"
#include "heapaccount.h"
#include "session/sessiontap.h"
#include "symbolizer.h"

#include <QEvent>
#include <QMetaEnum>

#include <algorithm>

namespace coroscope {
namespace {

constexpr qsizetype kMaxNameChars = 256;
constexpr qsizetype kMaxAwaitChars = 256;
constexpr qsizetype kMaxStackChars = 32 * 1024;
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

QString bounded(QString text, qsizetype limit) {
    if (text.size() > limit) {
        text.truncate(limit);
        text += QStringLiteral("…");
    }
    text.squeeze(); // retained per task: keep no spare capacity
    return text;
}

std::int64_t ns(Clock::Ticks ticks) {
    return Clock::sinceOrigin(ticks);
}

// "ns::parse(QString const&) [clone .actor]" -> "ns::parse"
QString shortFunctionName(QString name) {
    const qsizetype clone = name.indexOf(QStringLiteral(" [clone"));
    if (clone > 0)
        name.truncate(clone);
    if (name.endsWith(u')')) {
        int depth = 0;
        for (qsizetype i = name.size() - 1; i >= 0; --i) {
            if (name[i] == u')')
                ++depth;
            else if (name[i] == u'(' && --depth == 0) {
                name.truncate(i);
                break;
            }
        }
    }
    return name;
}

QString eventTypeName(int type) {
    const char* key = QMetaEnum::fromType<QEvent::Type>().valueToKey(type);
    return key ? QString::fromLatin1(key) : QString::number(type);
}

} // namespace

RunState::RunState(const Settings& settings)
    : m_settings(settings) {}

const TaskInfo* RunState::task(std::uint64_t id) const {
    const auto it = m_tasks.find(id);
    return it == m_tasks.end() ? nullptr : &it->second;
}

QString RunState::intern(const QString& text) {
    if (text.isEmpty())
        return {};
    // Bounded: past the limit, strings are simply stored per task (still bounded in length).
    constexpr qsizetype kMaxInterned = 100'000;
    const auto it = m_strings.constFind(text);
    if (it != m_strings.cend())
        return *it;
    if (m_strings.size() < kMaxInterned)
        m_strings.insert(text);
    return text;
}

QString RunState::taskName(std::uint64_t id) const {
    const TaskInfo* t = task(id);
    return t ? t->name : QString();
}

TaskInfo& RunState::taskFor(std::uint64_t id, std::int64_t tNs) {
    auto [it, inserted] = m_tasks.try_emplace(id);
    if (inserted) {
        // Its creation record was dropped (channel full) or it was evicted: keep what we learn.
        it->second.id = id;
        it->second.name = QStringLiteral("task #") + QString::number(id);
        it->second.createdNs = tNs;
        it->second.state = TaskState::Running;
        ++m_byState[std::size_t(TaskState::Running)];
        ++m_tasksTotal;
        m_unfinished.insert(id);
    }
    return it->second;
}

void RunState::setState(TaskInfo& task, TaskState state) {
    if (task.state == state)
        return;
    --m_byState[std::size_t(task.state)];
    ++m_byState[std::size_t(state)];
    task.state = state;
}

void RunState::apply(Record& r) {
    if (m_tap && r.task && r.kind <= RecordKind::TaskReleased)
        m_tap->onTaskChanged(r.task);
    switch (r.kind) {
    case RecordKind::TaskCreated:
        onCreated(r);
        break;
    case RecordKind::TaskSegment:
        onSegment(r);
        break;
    case RecordKind::TaskFinished:
        onFinished(r);
        break;
    case RecordKind::TaskCancelRequested:
        taskFor(r.task, ns(r.t0)).cancelRequested = true;
        break;
    case RecordKind::TaskErrorRetrieved:
    case RecordKind::TaskReleased: {
        // Usually after the task finished: an evicted task must not come back as a ghost.
        const auto it = m_tasks.find(r.task);
        if (it == m_tasks.end())
            break;
        TaskInfo& t = it->second;
        (r.kind == RecordKind::TaskReleased ? t.released : t.errorRetrieved) = true;
        if (m_observer.taskChanged)
            m_observer.taskChanged(t);
        break;
    }
    case RecordKind::SlowCallback:
        onSlowCallback(r);
        break;
    case RecordKind::BlockingStack:
        onBlockingStack(r);
        break;
    case RecordKind::LoopTick:
        onLoopTick(r);
        break;
    case RecordKind::MemorySample:
        onMemorySample(r);
        break;
    case RecordKind::MetricSample:
        onMetricSample(r);
        break;
    case RecordKind::Allocation:
        onAllocation(r);
        break;
    }
}

void RunState::onCreated(Record& r) {
    auto [it, inserted] = m_tasks.try_emplace(r.task);
    TaskInfo& t = it->second;
    if (inserted) {
        ++m_tasksTotal;
        ++m_byState[std::size_t(TaskState::Running)];
        m_unfinished.insert(r.task);
    }
    t.id = r.task;
    t.parentId = r.a;
    t.createdNs = ns(r.t0);
    t.state = TaskState::Running; // eager: it runs as soon as it is created
    t.coroutineAddress = std::uintptr_t(r.b);
    if (r.t1)
        m_heapAccounts[r.task] = reinterpret_cast<const heap::Account*>(r.t1);
    if (r.label)
        t.spawnLocation = intern(QString::fromUtf8(r.label).section(u'/', -1) + u':' + QString::number(r.c));
    if (r.hasText()) {
        t.name = intern(bounded(r.takeText(), kMaxNameChars));
        return;
    }
    t.name = QStringLiteral("task #") + QString::number(r.task);
    // Unnamed: named after its coroutine function. Symbolizing may load debug info (~150 ms) and
    // the collector must never stall that long (the loop's channel would overflow), so before the
    // symbolizer is warm the task waits in a list.
    if (t.coroutineAddress) {
        if (Symbolizer::instance().isWarm())
            nameAfterCoroutine(t);
        else
            m_pendingNames.push_back(t.id);
    }
}

void RunState::nameAfterCoroutine(TaskInfo& t) {
    const StackFrame frame = Symbolizer::instance().resolve(t.coroutineAddress, false);
    const QString name = shortFunctionName(frame.function);
    if (!name.isEmpty())
        t.name = intern(bounded(name, kMaxNameChars));
    if (t.spawnLocation.isEmpty() && !frame.file.isEmpty())
        t.spawnLocation = intern(frame.file.section(u'/', -1) + u':' + QString::number(frame.line));
}

void RunState::resolvePendingNames(bool force) {
    if (m_pendingNames.empty())
        return;
    if (!Symbolizer::instance().isWarm()) {
        if (!force)
            return;
        Symbolizer::instance().warmUp();
    }
    for (const std::uint64_t id : m_pendingNames) {
        const auto it = m_tasks.find(id);
        if (it != m_tasks.end())
            nameAfterCoroutine(it->second);
    }
    m_pendingNames.clear();
}

QString RunState::describeAwait(const TaskInfo& task) const {
    if (!task.awaitKind)
        return {};
    const QString kind = QString::fromUtf8(task.awaitKind);
    QString text;
    if (kind == QLatin1String("sleep") || kind == QLatin1String("timer")) {
        text = kind + u' ' + formatDuration(task.awaitArg * 1'000'000);
    } else if (kind == QLatin1String("task")) {
        text = QStringLiteral("task #") + QString::number(task.awaitArg);
        const QString name = taskName(std::uint64_t(task.awaitArg));
        if (!name.isEmpty())
            text += QStringLiteral(" (") + name + u')';
    } else {
        text = kind;
    }
    if (!task.awaitDetail.isEmpty())
        text += u' ' + task.awaitDetail;
    return bounded(text, kMaxAwaitChars);
}

void RunState::onSegment(Record& r) {
    ++m_segmentsTotal;
    const std::int64_t start = ns(r.t0);
    const std::int64_t end = ns(r.t1);
    const std::int64_t ready = r.a ? ns(r.a) : start;
    TaskInfo& t = taskFor(r.task, start);
    if (t.lastSuspendNs > 0) {
        // A resume: the time since it suspended splits into waiting (idle) and ready-not-running.
        ++t.resumes;
        t.idleNs += std::max<std::int64_t>(0, std::min(ready, start) - t.lastSuspendNs);
        t.schedNs += std::max<std::int64_t>(0, start - ready);
    }
    t.busyNs += Clock::toNanos(r.b);
    if (m_tap)
        m_tap->onSegment({r.task, start, end, ready, Clock::toNanos(r.b)});
    if (r.label) {
        // Kept structured and formatted only when read: no string work per resume.
        t.lastSuspendNs = end;
        t.awaitKind = r.label;
        t.awaitArg = r.c;
        t.awaitDetail = r.hasText() ? r.takeText() : QString();
        if (!isFinished(t.state))
            setState(t, TaskState::Suspended);
    }
}

void RunState::onFinished(Record& r) {
    TaskInfo& t = taskFor(r.task, ns(r.t0));
    const auto state = TaskState(r.state);
    t.finishedNs = ns(r.t0);
    t.awaitKind = nullptr;
    t.awaitDetail = QString(); // releases it (clear() would keep the capacity)
    m_unfinished.erase(t.id);
    if (r.hasText())
        t.error = bounded(r.takeText(), 4096);
    setState(t, state);
    m_finishedOrder.push_back(t.id);
    if (m_observer.taskChanged)
        m_observer.taskChanged(t);
    evictFinishedTasks();
}

void RunState::evictFinishedTasks() {
    while (m_finishedOrder.size() > m_settings.maxRetainedFinishedTasks) {
        const auto it = m_tasks.find(m_finishedOrder.front());
        m_finishedOrder.pop_front();
        if (it == m_tasks.end())
            continue;
        // Counts by state stay exact: an evicted task leaves its state counted.
        m_heapAccounts.erase(it->first);
        m_tasks.erase(it);
        ++m_drops.evictedTasks;
    }
}

SlowCallback* RunState::slowCallbackFor(std::uint64_t dispatchSeq) {
    const auto it = m_slowBySeq.find(dispatchSeq);
    return it == m_slowBySeq.end() ? nullptr : &m_slowCallbacks[it->second];
}

void RunState::retractSlowCallback(std::uint64_t dispatchSeq) {
    const auto it = m_slowBySeq.find(dispatchSeq);
    if (it == m_slowBySeq.end())
        return;
    const std::size_t index = it->second;
    m_slowBySeq.erase(it);
    m_slowCallbacks.erase(m_slowCallbacks.begin() + std::ptrdiff_t(index));
    for (auto& [seq, i] : m_slowBySeq)
        if (i > index)
            --i;
}

void RunState::onSlowCallback(Record& r) {
    if (r.state == 1) {
        retractSlowCallback(r.a);
        if (m_tap)
            m_tap->onSlowCallbackRetracted(r.a);
        // The watchdog's stack for it may still be on its way (its channel is drained later).
        if (m_retractedSeqs.size() > 1024)
            m_retractedSeqs.clear();
        m_retractedSeqs.insert(r.a);
        return;
    }
    SlowCallback* slow = slowCallbackFor(r.a);
    if (!slow) {
        if (m_slowCallbacks.size() >= m_settings.maxSlowCallbacks) {
            ++m_drops.slowCallbacksOverLimit;
            return;
        }
        m_slowBySeq.emplace(r.a, m_slowCallbacks.size());
        slow = &m_slowCallbacks.emplace_back();
        slow->dispatchSeq = r.a;
    }
    slow->startNs = ns(r.t0);
    slow->durationNs = Clock::toNanos(Clock::Ticks(r.c));
    slow->ongoing = false;
    if (r.task) { // the watchdog's "running now" is kept if no task ran the most exclusive time
        slow->taskId = r.task;
        slow->taskName = taskName(r.task);
    }
    slow->receiverClass = r.label ? QString::fromLatin1(r.label) : QString();
    slow->eventType = eventTypeName(int(r.b));
    if (r.hasText())
        slow->location = r.takeText();
    if (m_tap)
        m_tap->onSlowCallbackChanged(r.a);
    if (m_observer.slowCallback)
        m_observer.slowCallback(*slow);
}

void RunState::onBlockingStack(Record& r) {
    if (m_retractedSeqs.count(r.a))
        return; // that dispatch ended below the threshold after all
    SlowCallback* slow = slowCallbackFor(r.a);
    if (!slow) {
        if (m_slowCallbacks.size() >= m_settings.maxSlowCallbacks) {
            ++m_drops.slowCallbacksOverLimit;
            return;
        }
        // Seen by the watchdog before the dispatch returned (or it never will: a hang).
        m_slowBySeq.emplace(r.a, m_slowCallbacks.size());
        slow = &m_slowCallbacks.emplace_back();
        slow->dispatchSeq = r.a;
        slow->startNs = ns(r.t0);
        slow->durationNs = ns(r.t1) - slow->startNs;
        slow->ongoing = true;
        slow->taskId = r.task;
        slow->taskName = taskName(r.task);
        slow->receiverClass = r.label ? QString::fromLatin1(r.label) : QString();
        slow->eventType = eventTypeName(int(r.b));
    }
    slow->stack = bounded(r.takeText(), kMaxStackChars);
    if (r.c && slow->location.isEmpty())
        slow->location = QString::fromUtf8(reinterpret_cast<const char*>(std::uintptr_t(r.c)));
    slow->stackCapturedNs = ns(r.t1);
    if (m_tap)
        m_tap->onSlowCallbackChanged(r.a);
}

void RunState::onLoopTick(const Record& r) {
    const std::int64_t now = ns(r.t0);
    const auto lagMicros = std::int64_t(r.a / 1000);
    m_lag.record(lagMicros);
    m_lagThisSecond.record(lagMicros);
    if (m_tap)
        m_tap->onLag(lagMicros);
    if (m_lastTickNs >= 0) {
        const std::int64_t wall = now - m_lastTickNs;
        const std::int64_t idle = std::min<std::int64_t>(wall, Clock::toNanos(r.b));
        m_secondWallNs += wall;
        m_secondIdleNs += idle;
        m_totalWallNs += wall;
        m_totalIdleNs += idle;
    }
    m_lastTickNs = now;
    if (m_secondStartNs < 0)
        m_secondStartNs = now;
    if (now - m_secondStartNs >= kNanosPerSecond)
        closeLoopSecond(now);
}

void RunState::closeLoopSecond(std::int64_t nowNs) {
    LoopSecond second;
    second.tNs = nowNs;
    second.lagP50Ns = m_lagThisSecond.percentile(50) * 1000;
    second.lagP99Ns = m_lagThisSecond.percentile(99) * 1000;
    second.lagMaxNs = m_lagThisSecond.max() * 1000;
    second.utilization = m_secondWallNs > 0 ? 1.0 - double(m_secondIdleNs) / double(m_secondWallNs) : 0.0;
    second.tasksByState = m_byState;
    m_loopSeconds.push_back(second);
    m_lagThisSecond.reset();
    m_secondStartNs = nowNs;
    m_secondWallNs = 0;
    m_secondIdleNs = 0;
}

void RunState::onMemorySample(const Record& r) {
    const MemorySample sample{std::int64_t(r.t0), std::int64_t(r.a), std::int64_t(r.b)};
    if (m_tap)
        m_tap->onMemorySample(sample);
    if (m_memorySeen == 0) {
        m_memoryStats.rssStartBytes = sample.rssBytes;
        m_memoryStats.heapStartBytes = sample.heapBytes;
    }
    m_memoryStats.rssEndBytes = sample.rssBytes;
    m_memoryStats.heapEndBytes = sample.heapBytes;
    m_memoryStats.rssPeakBytes = std::max(m_memoryStats.rssPeakBytes, sample.rssBytes);
    m_rssGrowth.add(sample.tNanos, sample.rssBytes);
    m_heapGrowth.add(sample.tNanos, sample.heapBytes);
    m_memoryStats.rssGrowthBytesPerSecond = m_rssGrowth.bytesPerSecond();
    m_memoryStats.heapGrowthBytesPerSecond = m_heapGrowth.bytesPerSecond();
    m_memoryStats.growthSpanNs = m_rssGrowth.spanNanos();
    // Bounded series: past the limit keep every other sample, then every 4th, ...
    if (m_memorySeen++ % m_memoryStride == 0)
        m_memory.push_back(sample);
    if (m_memory.size() >= m_settings.maxMemorySamples) {
        std::vector<MemorySample> thinned;
        thinned.reserve(m_memory.size() / 2 + 1);
        for (std::size_t i = 0; i < m_memory.size(); i += 2)
            thinned.push_back(m_memory[i]);
        m_memory = std::move(thinned);
        m_memoryStride *= 2;
    }
}

void RunState::onAllocation(const Record& r) {
    const auto it = m_tasks.find(r.task);
    if (it == m_tasks.end())
        return; // evicted, or allocated outside any task
    TaskInfo& t = it->second;
    const auto bytes = std::int64_t(r.a);
    if (m_tap) // a buffer released after the task's last segment must reach the session too
        m_tap->onTaskChanged(r.task);
    if (r.state == 0) {
        t.allocatedBytes += bytes;
        t.liveBytes += bytes;
    } else {
        t.liveBytes -= bytes;
    }
}

void RunState::refreshHeapAccounts() {
    for (const auto& [id, account] : m_heapAccounts) {
        const auto it = m_tasks.find(id);
        if (it == m_tasks.end())
            continue;
        const heap::Account::Totals totals = account->totals();
        if (m_tap && (it->second.allocatedBytes != totals.allocated || it->second.liveBytes != totals.live))
            m_tap->onTaskChanged(id);
        it->second.allocatedBytes = totals.allocated;
        it->second.liveBytes = totals.live;
    }
}

void RunState::freezeHeapAccounts() {
    refreshHeapAccounts();
    m_heapAccounts.clear();
}

const SlowCallback* RunState::slowCallback(std::uint64_t dispatchSeq) const {
    const auto it = m_slowBySeq.find(dispatchSeq);
    return it == m_slowBySeq.end() ? nullptr : &m_slowCallbacks[it->second];
}

void RunState::onMetricSample(const Record& r) {
    if (!r.label)
        return;
    constexpr std::size_t kMaxMetrics = 1000;
    const QString name = QString::fromUtf8(r.label);
    auto it = m_metrics.find(name);
    if (it == m_metrics.end()) {
        if (m_metrics.size() >= kMaxMetrics)
            return;
        it = m_metrics.emplace(name, Histogram()).first;
    }
    it->second.record(std::int64_t(r.a / 1000));
    if (m_tap)
        m_tap->onMetric(it->first, std::int64_t(r.a / 1000));
}

RunSnapshot RunState::snapshot(std::int64_t nowNs) const {
    RunSnapshot s;
    s.nowNs = nowNs;
    s.tasks.reserve(m_tasks.size());
    for (const auto& [id, info] : m_tasks) {
        s.tasks.push_back(info);
        if (const auto account = m_heapAccounts.find(id); account != m_heapAccounts.end()) {
            const heap::Account::Totals totals = account->second->totals();
            s.tasks.back().allocatedBytes = totals.allocated;
            s.tasks.back().liveBytes = totals.live;
        }
        if (info.awaitKind)
            s.tasks.back().awaiting = describeAwait(info);
    }
    std::sort(s.tasks.begin(), s.tasks.end(),
              [](const TaskInfo& a, const TaskInfo& b) { return a.id < b.id; });
    s.tasksByState = m_byState;
    s.tasksTotal = m_tasksTotal;
    s.segmentsTotal = m_segmentsTotal;
    s.slowCallbacks = m_slowCallbacks;
    for (SlowCallback& slow : s.slowCallbacks)
        if (slow.ongoing)
            slow.durationNs = std::max(slow.durationNs, nowNs - slow.startNs);
    s.loopLagMicros = m_lag;
    for (const auto& [name, histogram] : m_metrics)
        s.latency.push_back(LatencyMetric{name, histogram});
    s.loopSeconds = m_loopSeconds;
    s.loopUtilization = m_totalWallNs > 0 ? 1.0 - double(m_totalIdleNs) / double(m_totalWallNs) : 0.0;
    s.memory = m_memory;
    s.memoryStats = m_memoryStats;
    s.drops = m_drops;
    return s;
}

const TaskInfo* RunSnapshot::task(std::uint64_t id) const {
    const auto it = std::lower_bound(tasks.begin(), tasks.end(), id,
                                     [](const TaskInfo& t, std::uint64_t value) { return t.id < value; });
    return it != tasks.end() && it->id == id ? &*it : nullptr;
}

const char* severityName(Severity s) noexcept {
    switch (s) {
    case Severity::Info:
        return "info";
    case Severity::Warning:
        return "warning";
    case Severity::Error:
        return "error";
    }
    return "unknown";
}

} // namespace coroscope
