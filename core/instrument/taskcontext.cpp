#include "instrument/taskcontext.h"

#include "instrument/awaitsite.h"
#include "instrument/heapaccount.h"
#include "instrument/instrumentedthread.h"
#include "instrument/relay.h"

#include <QAbstractEventDispatcher>
#include <QMetaObject>

#include <atomic>
#include <cxxabi.h>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace coroscope {
namespace {

std::atomic<std::uint64_t> g_nextTaskId{1};

struct PendingSpawn {
    QString name;
    const char* file = nullptr;
    int line = 0;
};
thread_local PendingSpawn t_pendingSpawn;

constinit thread_local TaskContext* t_running = nullptr;
constinit thread_local TaskContext* t_liveHead = nullptr;
constinit thread_local int t_liveCount = 0;

constexpr qsizetype kMaxErrorChars = 4096;

QString describeException(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const UserError& e) {
        QString text = QString::fromUtf8(e.what());
        if (text.size() > kMaxErrorChars)
            text = text.left(kMaxErrorChars) + QStringLiteral("…");
        return text;
    } catch (...) {
    }
    QString type;
    if (const std::type_info* info = abi::__cxa_current_exception_type()) {
        int status = 0;
        std::unique_ptr<char, void (*)(void*)> demangled(
            abi::__cxa_demangle(info->name(), nullptr, nullptr, &status), std::free);
        type = QString::fromUtf8(status == 0 && demangled ? demangled.get() : info->name());
    }
    QString message;
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        message = QString::fromUtf8(e.what());
    } catch (...) {
        message = QStringLiteral("(not a std::exception)");
    }
    QString text = type.isEmpty() ? message : type + QStringLiteral(": ") + message;
    if (text.size() > kMaxErrorChars)
        text = text.left(kMaxErrorChars) + QStringLiteral("…");
    return text;
}

void emitRecord(Record&& record) noexcept {
    if (InstrumentedThread* thread = InstrumentedThread::current())
        thread->send(std::move(record));
}

} // namespace

void setNextTaskName(QString name, std::source_location where) {
    t_pendingSpawn.name = std::move(name);
    t_pendingSpawn.file = where.file_name();
    t_pendingSpawn.line = int(where.line());
}

void setNextTaskName(QString name, const char* file, int line) {
    t_pendingSpawn.name = std::move(name);
    t_pendingSpawn.file = file;
    t_pendingSpawn.line = line;
}

const char* internStableString(const QString& file) {
    static std::mutex mutex;
    static std::set<std::string> files; // node-based: c_str() stays valid
    const std::lock_guard lock(mutex);
    return files.insert(file.toStdString()).first->c_str();
}

void recordMetric(const QString& name, std::chrono::nanoseconds value) {
    InstrumentedThread* thread = InstrumentedThread::current();
    if (!thread)
        return;
    thread->send(Record::metricSample(t_running ? t_running->id() : 0, Clock::now(), internStableString(name),
                                      std::max<std::int64_t>(0, value.count())));
}

void recordAllocation(std::uint64_t taskId, std::int64_t bytes, bool freed) {
    InstrumentedThread* thread = InstrumentedThread::current();
    if (!thread || bytes <= 0)
        return;
    thread->send(Record::allocation(taskId, Clock::now(), bytes, freed));
}

void clearNextTaskName() noexcept {
    t_pendingSpawn.name.clear();
    t_pendingSpawn.file = nullptr;
    t_pendingSpawn.line = 0;
}

TaskContext::TaskContext() noexcept
    : m_id(g_nextTaskId.fetch_add(1, std::memory_order_relaxed))
    , m_account(heap::newAccount()) {
    m_nextLive = t_liveHead;
    if (t_liveHead)
        t_liveHead->m_prevLive = this;
    t_liveHead = this;
    ++t_liveCount;
}

TaskContext::~TaskContext() {
    // Destroyed while suspended (only at shutdown): the relay must never resume this frame.
    if (m_relay)
        m_relay->abandon();
    if (m_prevLive)
        m_prevLive->m_nextLive = m_nextLive;
    else if (t_liveHead == this)
        t_liveHead = m_nextLive;
    if (m_nextLive)
        m_nextLive->m_prevLive = m_prevLive;
    if (!isFinished(m_state))
        --t_liveCount;
}

TaskContext* TaskContext::running() noexcept {
    return t_running;
}

int TaskContext::liveCountOnThisThread() noexcept {
    return t_liveCount;
}

void TaskContext::onCreated(std::coroutine_handle<> handle) noexcept {
    m_handle = handle;
    m_parent = t_running ? t_running->m_id : 0;
    if (InstrumentedThread* thread = InstrumentedThread::current()) {
        // GCC and Clang frames begin with the resume function's address: symbolized off the loop,
        // it names an unnamed task after its coroutine function.
        Record r = Record::taskCreated(
            m_id, Clock::now(), m_parent,
            reinterpret_cast<std::uintptr_t>(*static_cast<void* const*>(handle.address())), m_account);
        if (t_pendingSpawn.file || !t_pendingSpawn.name.isEmpty()) {
            r.setSpawnSite(std::move(t_pendingSpawn.name), t_pendingSpawn.file, t_pendingSpawn.line);
            clearNextTaskName();
        }
        thread->send(std::move(r));
    } else {
        clearNextTaskName();
    }
}

void TaskContext::beginSegment(Clock::Ticks now) noexcept {
    m_segmentStart = now;
    m_exclusiveStart = now;
    m_exclusive = 0;
    // Known due time (a sleep): the scheduling delay is how late the loop served it.
    m_ready = m_cancelledAt ? m_cancelledAt : (m_due && m_due < now ? m_due : now);
    m_cancelledAt = 0;
    m_due = 0;
    m_state = TaskState::Running;
    m_interrupted = t_running;
    if (m_interrupted)
        m_interrupted->pauseExclusive(now);
    t_running = this;
    heap::t_current = m_account;
    if (InstrumentedThread* thread = InstrumentedThread::current())
        thread->published.runningTask.store(m_id, std::memory_order_relaxed);
}

void TaskContext::pauseExclusive(Clock::Ticks now) noexcept {
    m_exclusive += now - m_exclusiveStart;
}

void TaskContext::endSegment(const AwaitLabel* awaiting) noexcept {
    const Clock::Ticks now = Clock::now();
    m_exclusive += now - m_exclusiveStart;
    t_running = m_interrupted;
    heap::t_current = m_interrupted ? m_interrupted->m_account : nullptr;
    if (m_interrupted)
        m_interrupted->m_exclusiveStart = now;
    if (awaiting)
        m_state = TaskState::Suspended;
    if (InstrumentedThread* thread = InstrumentedThread::current()) {
        thread->published.runningTask.store(m_interrupted ? m_interrupted->m_id : 0,
                                            std::memory_order_relaxed);
        // The task with the most exclusive time inside a dispatch is the one a slow callback blames.
        if (thread->depth > 0 && m_exclusive > thread->dominantTicks) {
            thread->dominantTicks = m_exclusive;
            thread->dominantTask = m_id;
        }
        Record r = Record::taskSegment(m_id, m_segmentStart, now, m_ready, m_exclusive);
        if (awaiting) {
            r.setAwait(m_awaitLocation ? internAwaitSite(awaiting->kind, m_awaitLocation, 0)
                                       : internAwaitSite(awaiting->kind, awaiting->file, awaiting->line),
                       awaiting->arg, awaiting->detail);
            if (m_awaitLocation && std::exchange(m_awaitContinues, true))
                r.markAwaitContinues();
        }
        thread->send(std::move(r));
    }
    m_interrupted = nullptr;
}

void TaskContext::recordOutcome(std::exception_ptr error) noexcept {
    try {
        std::rethrow_exception(error);
    } catch (const CancelledError&) {
        m_state = TaskState::Cancelled;
    } catch (...) {
        m_state = TaskState::Failed;
        m_error = describeException(error);
    }
}

void TaskContext::finish() noexcept {
    if (!isFinished(m_state))
        m_state = TaskState::Completed;
    --t_liveCount;
    emitRecord(Record::taskFinished(m_id, Clock::now(), m_state, m_error));
}

void TaskContext::markReleased() noexcept {
    emitRecord(Record::taskEvent(RecordKind::TaskReleased, m_id, Clock::now()));
}

void TaskContext::markErrorRetrieved() noexcept {
    if (m_errorRetrieved || m_state != TaskState::Failed)
        return;
    m_errorRetrieved = true;
    emitRecord(Record::taskEvent(RecordKind::TaskErrorRetrieved, m_id, Clock::now()));
}

bool TaskContext::takeCancellation() noexcept {
    if (!m_cancelRequested)
        return false;
    if (m_cancelDeferred) {
        m_cancelDeferred = false; // this resume delivers the awaited value; the next await, the cancel
        return false;
    }
    m_cancelRequested = false;
    return true;
}

void TaskContext::attachRelay(detail::RelayPromise* relay, const AwaitLabel& label) noexcept {
    m_relay = relay;
    m_awaitedTask = label.awaitedTask;
    m_due = label.due;
}

void TaskContext::detachRelay() noexcept {
    m_relay = nullptr;
    m_cancelHook = nullptr;
    m_cancelHookAwaiter = nullptr;
    m_awaitedTask = nullptr;
}

void TaskContext::attachCancelHook(CancelHook cancel, void* awaiter, const AwaitLabel& label) noexcept {
    m_cancelHook = cancel;
    m_cancelHookAwaiter = awaiter;
    m_awaitedTask = label.awaitedTask;
    m_due = label.due;
}

bool TaskContext::takeDirectResume() noexcept {
    if (!m_cancelHook)
        return false;
    m_cancelHook = nullptr;
    m_cancelHookAwaiter = nullptr;
    relayFired();
    return true;
}

void TaskContext::relayFired() noexcept {
    m_relay = nullptr;
    m_awaitedTask = nullptr;
    m_state = TaskState::Scheduled;
}

void TaskContext::requestCancel() {
    if (isFinished(m_state) || m_cancelRequested)
        return;
    m_cancelRequested = true;
    emitRecord(Record::taskEvent(RecordKind::TaskCancelRequested, m_id, Clock::now()));

    // Detach from what we await *before* cancelling an awaited task: without a dispatcher that task
    // finishes at once and would resume us through a relay still armed.
    TaskContext* awaited = m_awaitedTask;
    const bool suspended = m_cancelHook || m_relay;
    if (m_cancelHook && !m_cancelHook(m_cancelHookAwaiter)) {
        m_cancelDeferred = true; // its resume carries a value: deliver the cancellation after it
        return;
    }
    if (m_relay)
        m_relay->abandon();
    detachRelay();
    if (awaited)
        awaited->requestCancel();
    if (!suspended)
        return; // running now: the next await delivers it
    m_cancelledAt = Clock::now();
    m_state = TaskState::Scheduled;
    // Resume from the loop, not from inside the canceller: cancel() returns at once and the
    // cancelled task runs its cleanup in a callback of its own.
    const std::coroutine_handle<> handle = m_handle;
    if (QAbstractEventDispatcher* dispatcher = QAbstractEventDispatcher::instance())
        QMetaObject::invokeMethod(
            dispatcher, [handle] { handle.resume(); }, Qt::QueuedConnection);
    else
        handle.resume();
}

int TaskContext::cancelAllOnThisThread() {
    // Collect first: cancelling may finish tasks and unlink them while we walk.
    std::vector<TaskContext*> live;
    for (TaskContext* t = t_liveHead; t; t = t->m_nextLive)
        if (!isFinished(t->m_state))
            live.push_back(t);
    for (TaskContext* t : live)
        t->requestCancel();
    return int(live.size());
}

} // namespace coroscope
