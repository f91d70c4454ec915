#pragma once

#include "recording/sessiondelta.h"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>

namespace coroscope::session {

/// The hand-over from the collector, which cuts a SessionDelta every ~100 ms, to the session
/// writer, which commits them. Owned by whoever owns both (WorkloadRun, or a program that records
/// a session itself), so neither calls into the other.
///
/// The collector never waits here: a writer preempted while it pops must not stop the draining,
/// or the measured loop's ring would overflow. At most kMaxQueued deltas wait; a starved writer
/// gets bigger deltas instead (the tap merges repeated changes of a task), so memory stays
/// bounded by the tasks, not by the time. Segments are bounded too: past kMaxQueuedSegments they
/// are counted as overflowed, never kept.
class SessionDeltaQueue {
public:
    static constexpr std::size_t kMaxQueued = 2;
    static constexpr std::size_t kMaxQueuedSegments = 2'000'000;

    /// When there is room and the lock is free, calls `cut` for the delta and queues it; false
    /// otherwise (nothing cut: the changes stay in the tap for the next try). Never blocks.
    bool tryPush(const std::function<SessionDelta()>& cut);
    /// Queues the run's last delta whatever the queue holds (after the run: nothing to stall).
    void pushLast(SessionDelta delta);
    /// The oldest delta, waiting up to `timeout` for one.
    std::optional<SessionDelta> pop(std::chrono::milliseconds timeout);

private:
    void pushLocked(SessionDelta delta);

    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<SessionDelta> m_deltas;
    std::size_t m_segments = 0; ///< segments in m_deltas
};

} // namespace coroscope::session
