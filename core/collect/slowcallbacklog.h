#pragma once

#include "instrument/record.h"
#include "model/runmodel.h"
#include "model/settings.h"

#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace coroscope {

class TaskTable;

/// A QEvent type as reports name it: "Timer", "MetaCall", "SleepWake", "User+3".
QString eventTypeName(int type);

/// The slow callbacks of a run, in the order they were first seen: from the dispatch's own
/// SlowCallback record, or earlier from the watchdog's BlockingStack while the loop is still
/// blocked (then `ongoing`). Bounded by Settings::maxSlowCallbacks. Collector thread only.
class SlowCallbackLog {
public:
    explicit SlowCallbackLog(const Settings& settings);

    /// A dispatch over the threshold ended: the entry, or null if it is over the limit.
    const SlowCallback* onSlowCallback(Record& r, const TaskTable& tasks);
    /// The dispatch ended below the threshold after all: forgets what the watchdog reported.
    void retract(std::uint64_t dispatchSeq);
    /// The watchdog's stack of a dispatch: the entry, or null if it was retracted or is over
    /// the limit.
    const SlowCallback* onBlockingStack(Record& r, const TaskTable& tasks);

    const SlowCallback* find(std::uint64_t dispatchSeq) const;
    /// The entries, an ongoing one's duration counted up to `nowNs`.
    std::vector<SlowCallback> snapshot(std::int64_t nowNs) const;
    /// The callbacks still running, their durations counted up to `nowNs`.
    std::vector<SlowCallback> ongoing(std::int64_t nowNs) const;
    std::uint64_t overLimit() const { return m_overLimit; }

private:
    SlowCallback* findOrAdd(std::uint64_t dispatchSeq, bool& added);

    const Settings& m_settings;
    std::vector<SlowCallback> m_entries;
    std::unordered_map<std::uint64_t, std::size_t> m_bySeq;
    std::unordered_set<std::uint64_t> m_retractedSeqs; ///< bounded: recent retractions only
    std::uint64_t m_overLimit = 0;
};

} // namespace coroscope
