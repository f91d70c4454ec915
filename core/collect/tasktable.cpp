#include "collect/tasktable.h"

#include "collect/bucketslice.h"
#include "instrument/heapaccount.h"
#include "model/format.h"
#include "watchdog/symbolizer.h"

#include <algorithm>

namespace coroscope {
namespace {

constexpr qsizetype kMaxNameChars = 256;
constexpr qsizetype kMaxAwaitChars = 256;
constexpr qsizetype kMaxErrorChars = 4096;

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

QString fileAndLine(const QString& path, int line) {
    return path.section(u'/', -1) + u':' + QString::number(line);
}

} // namespace

QString boundedText(QString text, qsizetype limit) {
    if (text.size() > limit) {
        text.truncate(limit);
        text += QStringLiteral("…");
    }
    text.squeeze(); // retained: keep no spare capacity
    return text;
}

TaskTable::TaskTable(const Settings& settings)
    : m_settings(settings) {}

const TaskInfo* TaskTable::task(std::uint64_t id) const {
    const auto it = m_tasks.find(id);
    return it == m_tasks.end() ? nullptr : &it->second;
}

QString TaskTable::taskName(std::uint64_t id) const {
    const TaskInfo* t = task(id);
    return t ? t->name : QString();
}

QString TaskTable::intern(const QString& text) {
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

TaskInfo& TaskTable::taskFor(std::uint64_t id, std::int64_t tNs) {
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
        ++m_liveBySite[QString()];
    }
    return it->second;
}

bool TaskTable::markRunningNow(std::uint64_t id) {
    const auto it = m_tasks.find(id);
    if (it == m_tasks.end() || !m_unfinished.count(id) || it->second.state == TaskState::Running)
        return false;
    setState(it->second, TaskState::Running);
    return true;
}

void TaskTable::setState(TaskInfo& task, TaskState state) {
    if (task.state == state)
        return;
    --m_byState[std::size_t(task.state)];
    ++m_byState[std::size_t(state)];
    task.state = state;
}

TaskInfo& TaskTable::onCreated(Record& r) {
    auto [it, inserted] = m_tasks.try_emplace(r.task());
    TaskInfo& t = it->second;
    if (inserted) {
        ++m_tasksTotal;
        ++m_byState[std::size_t(TaskState::Running)];
        m_unfinished.insert(r.task());
        ++m_liveBySite[t.spawnLocation];
    }
    t.id = r.task();
    t.parentId = r.parentId();
    t.createdNs = ns(r.at());
    t.state = TaskState::Running; // eager: it runs as soon as it is created
    t.coroutineAddress = r.coroutineAddress();
    if (const heap::Account* account = r.heapAccount())
        m_heapAccounts[r.task()] = account;
    if (r.spawnFile())
        setSpawnLocation(t, intern(fileAndLine(QString::fromUtf8(r.spawnFile()), r.spawnLine())));
    if (r.hasText()) {
        t.name = intern(boundedText(r.takeText(), kMaxNameChars));
        return t;
    }
    t.name = QStringLiteral("task #") + QString::number(r.task());
    // Unnamed: named after its coroutine function. Symbolizing may load debug info (~150 ms) and
    // the collector must never stall that long (the loop's channel would overflow), so before the
    // symbolizer is warm the task waits in a list.
    if (t.coroutineAddress) {
        if (Symbolizer::instance().isWarm())
            nameAfterCoroutine(t);
        else
            m_pendingNames.push_back(t.id);
    }
    return t;
}

void TaskTable::setSpawnLocation(TaskInfo& t, const QString& location) {
    if (location == t.spawnLocation)
        return;
    if (m_unfinished.count(t.id) != 0) {
        dropLive(t.spawnLocation);
        ++m_liveBySite[location];
    }
    t.spawnLocation = location;
}

void TaskTable::dropLive(const QString& location) {
    const auto it = m_liveBySite.find(location);
    if (it != m_liveBySite.end() && --it.value() == 0)
        m_liveBySite.erase(it);
}

void TaskTable::nameAfterCoroutine(TaskInfo& t) {
    const StackFrame frame = Symbolizer::instance().resolve(t.coroutineAddress, false);
    const QString name = shortFunctionName(frame.function);
    if (!name.isEmpty())
        t.name = intern(boundedText(name, kMaxNameChars));
    if (t.spawnLocation.isEmpty() && !frame.file.isEmpty())
        setSpawnLocation(t, intern(fileAndLine(frame.file, frame.line)));
}

void TaskTable::resolvePendingNames(bool force) {
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

QString TaskTable::describeAwait(const TaskInfo& task) const {
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
    return boundedText(text, kMaxAwaitChars);
}

TaskInfo& TaskTable::onSegment(Record& r) {
    ++m_segmentsTotal;
    const std::int64_t start = ns(r.at());
    const std::int64_t ready = r.readyAt() ? ns(r.readyAt()) : start;
    TaskInfo& t = taskFor(r.task(), start);
    if (t.lastSuspendNs > 0) {
        // A resume: the time since it suspended splits into waiting (idle) and ready-not-running.
        ++t.resumes;
        t.idleNs += std::max<std::int64_t>(0, std::min(ready, start) - t.lastSuspendNs);
        t.schedNs += std::max<std::int64_t>(0, start - ready);
    }
    t.busyNs += Clock::toNanos(r.exclusiveTicks());
    // What it allocated in this segment: current for every task that runs, whatever the slice.
    if (!m_heapAccounts.empty())
        if (const auto account = m_heapAccounts.find(t.id); account != m_heapAccounts.end())
            refreshHeapAccount(t, *account->second);
    if (r.awaitKind()) {
        // Kept structured and formatted only when read: no string work per resume.
        t.lastSuspendNs = ns(r.segmentEnd());
        t.awaitKind = r.awaitKind();
        t.awaitArg = r.awaitArg();
        t.awaitDetail = r.hasText() ? r.takeText() : QString();
        if (!isFinished(t.state))
            setState(t, TaskState::Suspended);
    }
    return t;
}

TaskInfo& TaskTable::onFinished(Record& r) {
    TaskInfo& t = taskFor(r.task(), ns(r.at()));
    t.finishedNs = ns(r.at());
    t.awaitKind = nullptr;
    t.awaitDetail = QString(); // releases it (clear() would keep the capacity)
    if (m_unfinished.erase(t.id) != 0)
        dropLive(t.spawnLocation);
    if (r.hasText())
        t.error = boundedText(r.takeText(), kMaxErrorChars);
    setState(t, r.finalState());
    m_finishedOrder.push_back(t.id);
    return t;
}

void TaskTable::onCancelRequested(const Record& r) {
    taskFor(r.task(), ns(r.at())).cancelRequested = true;
}

TaskInfo* TaskTable::onFlag(const Record& r) {
    // Usually after the task finished: an evicted task must not come back as a ghost.
    const auto it = m_tasks.find(r.task());
    if (it == m_tasks.end())
        return nullptr;
    (r.kind() == RecordKind::TaskReleased ? it->second.released : it->second.errorRetrieved) = true;
    return &it->second;
}

TaskInfo* TaskTable::onAllocation(const Record& r) {
    const auto it = m_tasks.find(r.task());
    if (it == m_tasks.end())
        return nullptr;
    TaskInfo& t = it->second;
    const std::int64_t before = t.liveBytes;
    if (r.isFree()) {
        t.liveBytes -= r.allocationBytes();
    } else {
        t.allocatedBytes += r.allocationBytes();
        t.liveBytes += r.allocationBytes();
    }
    m_topHeap.onLive(t.id, before, t.liveBytes);
    return &t;
}

void TaskTable::evictFinishedTasks() {
    while (m_finishedOrder.size() > m_settings.maxRetainedFinishedTasks) {
        const auto it = m_tasks.find(m_finishedOrder.front());
        m_finishedOrder.pop_front();
        if (it == m_tasks.end())
            continue;
        // Counts by state stay exact: an evicted task leaves its state counted.
        m_heapAccounts.erase(it->first);
        m_topHeap.onForgotten(it->first);
        m_tasks.erase(it);
        ++m_evicted;
    }
}

bool TaskTable::refreshHeapAccount(TaskInfo& t, const heap::Account& account) {
    const heap::Account::Totals totals = account.totals();
    const bool moved = t.allocatedBytes != totals.allocated || t.liveBytes != totals.live;
    m_topHeap.onLive(t.id, t.liveBytes, totals.live);
    t.allocatedBytes = totals.allocated;
    t.liveBytes = totals.live;
    return moved;
}

void TaskTable::refreshHeapAccounts(const std::function<void(std::uint64_t)>& changed) {
    visitSlice(m_heapAccounts, m_heapRefreshCursor, kHeapRefreshSlice, [&](const auto& entry) {
        const auto it = m_tasks.find(entry.first);
        if (it != m_tasks.end() && refreshHeapAccount(it->second, *entry.second) && changed)
            changed(entry.first);
    });
}

void TaskTable::refreshTopHeapAccounts(const std::function<void(std::uint64_t)>& changed) {
    if (m_heapAccounts.empty())
        return;
    for (const TopHeapTasks::Entry& e : m_topHeap.entries()) {
        const auto account = m_heapAccounts.find(e.taskId);
        const auto it = m_tasks.find(e.taskId);
        if (account != m_heapAccounts.end() && it != m_tasks.end() &&
            refreshHeapAccount(it->second, *account->second) && changed)
            changed(e.taskId);
    }
}

void TaskTable::freezeHeapAccounts(const std::function<void(std::uint64_t)>& changed) {
    // Every account, not a slice: these are the figures the run ends with.
    for (const auto& [id, account] : m_heapAccounts)
        if (const auto it = m_tasks.find(id);
            it != m_tasks.end() && refreshHeapAccount(it->second, *account) && changed)
            changed(id);
    m_heapAccounts.clear();
}

std::vector<TaskInfo> TaskTable::snapshot() const {
    std::vector<TaskInfo> tasks;
    tasks.reserve(m_tasks.size());
    for (const auto& [id, info] : m_tasks) {
        tasks.push_back(info);
        if (const auto account = m_heapAccounts.find(id); account != m_heapAccounts.end()) {
            const heap::Account::Totals totals = account->second->totals();
            tasks.back().allocatedBytes = totals.allocated;
            tasks.back().liveBytes = totals.live;
        }
        if (info.awaitKind)
            tasks.back().awaiting = describeAwait(info);
    }
    std::sort(tasks.begin(), tasks.end(), [](const TaskInfo& a, const TaskInfo& b) { return a.id < b.id; });
    return tasks;
}

} // namespace coroscope
