#include "recording/sessiondeltaqueue.h"

namespace coroscope::session {

bool SessionDeltaQueue::tryPush(const std::function<SessionDelta()>& cut) {
    std::unique_lock lock(m_mutex, std::try_to_lock);
    if (!lock.owns_lock() || m_deltas.size() >= kMaxQueued)
        return false;
    pushLocked(cut());
    lock.unlock();
    m_ready.notify_one();
    return true;
}

void SessionDeltaQueue::pushLast(SessionDelta delta) {
    {
        std::lock_guard lock(m_mutex);
        pushLocked(std::move(delta));
    }
    m_ready.notify_one();
}

void SessionDeltaQueue::pushLocked(SessionDelta delta) {
    // A writer far behind (a slow disk) loses segments, counted, never the loop.
    const std::size_t room = kMaxQueuedSegments > m_segments ? kMaxQueuedSegments - m_segments : 0;
    if (delta.segments.size() > room) {
        delta.segmentsOverflowed += delta.segments.size() - room;
        delta.segments.resize(room);
    }
    m_segments += delta.segments.size();
    m_deltas.push_back(std::move(delta));
}

std::optional<SessionDelta> SessionDeltaQueue::pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_mutex);
    if (!m_ready.wait_for(lock, timeout, [this] { return !m_deltas.empty(); }))
        return std::nullopt;
    SessionDelta delta = std::move(m_deltas.front());
    m_deltas.pop_front();
    m_segments -= delta.segments.size();
    return delta;
}

} // namespace coroscope::session
