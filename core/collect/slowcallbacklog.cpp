#include "collect/slowcallbacklog.h"

#include "collect/tasktable.h"
#include <coroscope/sleep.h>

#include <QEvent>
#include <QMetaEnum>

#include <algorithm>

namespace coroscope {
namespace {

constexpr qsizetype kMaxStackChars = 32 * 1024;
constexpr std::size_t kMaxRememberedRetractions = 1024;

std::int64_t ns(Clock::Ticks ticks) {
    return Clock::sinceOrigin(ticks);
}

} // namespace

QString eventTypeName(int type) {
    if (type == detail::sleepWakeEventType())
        return QStringLiteral("SleepWake");
    // registerEventType() hands out types from MaxUser down: valueToKey() would call the first
    // one registered "MaxUser", and the others numbers.
    if (type >= QEvent::User && type <= QEvent::MaxUser)
        return QStringLiteral("User+%1").arg(type - QEvent::User);
    const char* key = QMetaEnum::fromType<QEvent::Type>().valueToKey(type);
    return key ? QString::fromLatin1(key) : QString::number(type);
}

namespace {

QString className(const char* name) {
    return name ? QString::fromLatin1(name) : QString();
}

} // namespace

SlowCallbackLog::SlowCallbackLog(const Settings& settings)
    : m_settings(settings) {}

SlowCallback* SlowCallbackLog::findOrAdd(std::uint64_t dispatchSeq, bool& added) {
    added = false;
    if (const auto it = m_bySeq.find(dispatchSeq); it != m_bySeq.end())
        return &m_entries[it->second];
    if (m_entries.size() >= m_settings.maxSlowCallbacks) {
        ++m_overLimit;
        return nullptr;
    }
    added = true;
    m_bySeq.emplace(dispatchSeq, m_entries.size());
    SlowCallback& slow = m_entries.emplace_back();
    slow.dispatchSeq = dispatchSeq;
    return &slow;
}

const SlowCallback* SlowCallbackLog::find(std::uint64_t dispatchSeq) const {
    const auto it = m_bySeq.find(dispatchSeq);
    return it == m_bySeq.end() ? nullptr : &m_entries[it->second];
}

void SlowCallbackLog::retract(std::uint64_t dispatchSeq) {
    // The watchdog's stack for it may still be on its way (its channel is drained later).
    if (m_retractedSeqs.size() > kMaxRememberedRetractions)
        m_retractedSeqs.clear();
    m_retractedSeqs.insert(dispatchSeq);
    const auto it = m_bySeq.find(dispatchSeq);
    if (it == m_bySeq.end())
        return;
    const std::size_t index = it->second;
    m_bySeq.erase(it);
    m_entries.erase(m_entries.begin() + std::ptrdiff_t(index));
    for (auto& [seq, i] : m_bySeq)
        if (i > index)
            --i;
}

const SlowCallback* SlowCallbackLog::onSlowCallback(Record& r, const TaskTable& tasks) {
    bool added = false;
    SlowCallback* slow = findOrAdd(r.dispatchSeq(), added);
    if (!slow)
        return nullptr;
    slow->startNs = ns(r.at());
    slow->durationNs = Clock::toNanos(r.busyTicks());
    slow->ongoing = false;
    if (r.task()) { // the watchdog's "running now" is kept if no task ran the most exclusive time
        slow->taskId = r.task();
        slow->taskName = tasks.taskName(r.task());
    }
    slow->receiverClass = className(r.receiverClass());
    slow->eventType = eventTypeName(r.eventType());
    if (r.hasText())
        slow->location = r.takeText();
    return slow;
}

const SlowCallback* SlowCallbackLog::onBlockingStack(Record& r, const TaskTable& tasks) {
    if (m_retractedSeqs.count(r.dispatchSeq()))
        return nullptr; // that dispatch ended below the threshold after all
    bool added = false;
    SlowCallback* slow = findOrAdd(r.dispatchSeq(), added);
    if (!slow)
        return nullptr;
    if (added) {
        // Seen by the watchdog before the dispatch returned (or it never will: a hang).
        slow->startNs = ns(r.at());
        slow->durationNs = ns(r.reportedAt()) - slow->startNs;
        slow->ongoing = true;
        slow->taskId = r.task();
        slow->taskName = tasks.taskName(r.task());
        slow->receiverClass = className(r.receiverClass());
        slow->eventType = eventTypeName(r.eventType());
    }
    slow->stack = boundedText(r.takeText(), kMaxStackChars);
    if (r.scriptLine() && slow->location.isEmpty())
        slow->location = QString::fromUtf8(r.scriptLine());
    slow->stackCapturedNs = ns(r.reportedAt());
    return slow;
}

std::vector<SlowCallback> SlowCallbackLog::ongoing(std::int64_t nowNs) const {
    std::vector<SlowCallback> running;
    for (const SlowCallback& slow : m_entries)
        if (slow.ongoing) {
            running.push_back(slow);
            running.back().durationNs = std::max(slow.durationNs, nowNs - slow.startNs);
        }
    return running;
}

std::vector<SlowCallback> SlowCallbackLog::snapshot(std::int64_t nowNs) const {
    std::vector<SlowCallback> entries = m_entries;
    for (SlowCallback& slow : entries)
        if (slow.ongoing)
            slow.durationNs = std::max(slow.durationNs, nowNs - slow.startNs);
    return entries;
}

} // namespace coroscope
