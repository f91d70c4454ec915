#pragma once

#include "collect/diagnostics/diagnosticrule.h"

#include <QHash>

#include <chrono>
#include <deque>
#include <unordered_map>
#include <unordered_set>

namespace coroscope {

/// A callback held the event loop longer than the slow-callback threshold (asyncio's
/// "Executing <Handle> took 0.300 seconds"). Said as soon as the watchdog sees the threshold
/// passed, while the loop is still blocked, and revised as the block goes on and when it ends:
/// the moment a user most needs it is while it is happening.
class SlowCallbackRule final : public DiagnosticRule {
public:
    QString name() const override { return QStringLiteral("slow-callback"); }
    Severity severity() const override { return Severity::Warning; }
    void onSlowCallback(const SlowCallback& slow, const TaskTable& tasks, DiagnosticSink& sink) override;
    void onSlowCallbackRetracted(std::uint64_t dispatchSeq, DiagnosticSink& sink) override;
    void onTick(const TaskTable& tasks, std::int64_t nowNs, DiagnosticSink& sink) override;
    /// A run ended during a block (the guard finished it): the last word is how long so far.
    void onShutdown(const TaskTable& tasks, std::int64_t nowNs, DiagnosticSink& sink) override {
        onTick(tasks, nowNs, sink);
    }

private:
    Diagnostic describe(const SlowCallback& slow, std::int64_t durationNs, const TaskTable& tasks) const;

    struct Ongoing {
        std::uint64_t diagnosticId = 0;
        SlowCallback slow; ///< as first seen, without its stack
    };
    std::unordered_map<std::uint64_t, Ongoing> m_ongoing; ///< by dispatch seq: still blocking
};

/// A failed task whose error nobody awaited (asyncio's "Task exception was never retrieved").
/// Reported when its last handle goes away, or at shutdown.
class ExceptionNeverRetrievedRule final : public DiagnosticRule {
public:
    QString name() const override { return QStringLiteral("exception-never-retrieved"); }
    Severity severity() const override { return Severity::Error; }
    void onTaskChanged(const TaskInfo& task, const TaskTable& tasks, DiagnosticSink& sink) override;
    void onShutdown(const TaskTable& tasks, std::int64_t nowNs, DiagnosticSink& sink) override;

private:
    void reportOnce(const TaskInfo& task, std::int64_t tNs, DiagnosticSink& sink);
    std::unordered_set<std::uint64_t> m_reported;
};

/// A task still pending when the run ended.
class TaskLeakedRule final : public DiagnosticRule {
public:
    QString name() const override { return QStringLiteral("task-leaked"); }
    Severity severity() const override { return Severity::Warning; }
    void onShutdown(const TaskTable& tasks, std::int64_t nowNs, DiagnosticSink& sink) override;
};

/// A task whose live heap keeps growing: it grew by the threshold over the window and never gave
/// it back within it. A task that allocates and frees stays quiet.
class MemoryGrowthRule final : public DiagnosticRule {
public:
    MemoryGrowthRule(std::int64_t thresholdBytes, std::chrono::milliseconds window)
        : m_threshold(thresholdBytes)
        , m_window(window) {}
    QString name() const override { return QStringLiteral("memory-growth"); }
    Severity severity() const override { return Severity::Warning; }
    void onTick(const TaskTable& tasks, std::int64_t nowNs, DiagnosticSink& sink) override;
    /// A finished task allocates nothing more: its history goes.
    void onTaskChanged(const TaskInfo& task, const TaskTable& tasks, DiagnosticSink& sink) override;
    /// Tasks looked at per tick (a slice of the unfinished ones: see visitSlice()).
    static constexpr std::size_t kTasksPerTick = 65536;

private:
    struct History {
        std::deque<std::pair<std::int64_t, std::int64_t>> samples; ///< (t, live bytes)
        bool reported = false;
    };
    std::int64_t m_threshold;
    std::chrono::milliseconds m_window;
    std::unordered_map<std::uint64_t, History> m_history;
    std::size_t m_cursor = 0;
};

/// A spawn site whose live tasks keep piling up: at each of five checkpoints across the window
/// more of its tasks were alive than at the one before, and by at least the threshold in all.
/// A site whose tasks come and go, however many, stays quiet; one that only ever adds is a leak
/// in the making (docs/user-guide.md, "Spawn sites").
class SpawnSiteGrowingRule final : public DiagnosticRule {
public:
    SpawnSiteGrowingRule(std::uint64_t minGrowth, std::chrono::milliseconds window)
        : m_minGrowth(minGrowth)
        , m_window(window) {}
    QString name() const override { return QStringLiteral("spawn-site-growing"); }
    Severity severity() const override { return Severity::Warning; }
    void onTick(const TaskTable& tasks, std::int64_t nowNs, DiagnosticSink& sink) override;

    static constexpr std::size_t kCheckpoints = 5;

private:
    struct Site {
        std::deque<std::uint64_t> live; ///< at the last checkpoints, oldest first
        std::uint64_t diagnostic = 0;   ///< its finding, revised as the site keeps growing
    };
    std::uint64_t m_minGrowth;
    std::chrono::milliseconds m_window;
    std::int64_t m_nextCheckpointNs = 0;
    QHash<QString, Site> m_sites;
};

/// A task suspended on one await for longer than the stuck-task threshold (default 10 s).
class StuckTaskRule final : public DiagnosticRule {
public:
    explicit StuckTaskRule(std::chrono::nanoseconds threshold)
        : m_threshold(threshold) {}
    QString name() const override { return QStringLiteral("stuck-task"); }
    Severity severity() const override { return Severity::Warning; }
    void onTick(const TaskTable& tasks, std::int64_t nowNs, DiagnosticSink& sink) override;
    /// Tasks looked at per tick: with a million pending, each is seen within ~4 s of its time.
    static constexpr std::size_t kTasksPerTick = 65536;

private:
    std::size_t m_cursor = 0;
    std::chrono::nanoseconds m_threshold;
    std::unordered_map<std::uint64_t, std::int64_t> m_reportedSuspension; ///< task -> suspend time reported
};

} // namespace coroscope
