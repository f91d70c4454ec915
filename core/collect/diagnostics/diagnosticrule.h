#pragma once

#include "model/runmodel.h"
#include "model/settings.h"

#include <QString>

#include <memory>
#include <vector>

namespace coroscope {

class TaskTable;

/// Where rules put what they find.
class DiagnosticSink {
public:
    virtual ~DiagnosticSink() = default;
    /// Keeps `diagnostic` and returns its id for revise() and withdraw(); 0 when its rule is over
    /// the limit and it was not kept.
    virtual std::uint64_t report(Diagnostic diagnostic) = 0;
    /// What diagnostic `id` found has changed (a block still going on grew, then ended): it now
    /// says `diagnostic`. The session holds one row per finding, rewritten, not a row per change.
    virtual void revise(std::uint64_t id, Diagnostic diagnostic) = 0;
    /// Diagnostic `id` proved false (what looked like a block was a nested loop sleeping).
    virtual void withdraw(std::uint64_t id) = 0;
    /// When the loop entered the callback it is still in, if that has lasted long enough to
    /// starve everything else (ns since the origin); 0 while the loop runs freely. Nothing waits
    /// well while the loop is blocked: a timer due then simply cannot fire.
    virtual std::int64_t loopBlockedSinceNs() const { return 0; }
};

/// One diagnostic rule: a name, a severity, a threshold from Settings and a check.
/// Rules run on the collector thread, see only collected state, and never touch the loop.
/// To add one: subclass, override the hooks it needs, add it to makeDefaultRules().
class DiagnosticRule {
public:
    virtual ~DiagnosticRule() = default;
    virtual QString name() const = 0;
    virtual Severity severity() const = 0;

    /// A slow callback first seen (by the watchdog while it still runs: `ongoing`) or ended.
    virtual void onSlowCallback(const SlowCallback&, const TaskTable&, DiagnosticSink&) {}
    /// The watchdog's sighting of dispatch `dispatchSeq` was no slow callback after all.
    virtual void onSlowCallbackRetracted(std::uint64_t /*dispatchSeq*/, DiagnosticSink&) {}
    /// After a task finished, was released, or had its error retrieved.
    virtual void onTaskChanged(const TaskInfo&, const TaskTable&, DiagnosticSink&) {}
    /// Periodically (every 250 ms) while the run goes on; `nowNs` is ns since the origin.
    virtual void onTick(const TaskTable&, std::int64_t nowNs, DiagnosticSink&) {}
    /// Once, when the run ends.
    virtual void onShutdown(const TaskTable&, std::int64_t nowNs, DiagnosticSink&) {}

protected:
    Diagnostic make(QString message, const TaskInfo* task, std::int64_t tNs) const;
};

std::vector<std::unique_ptr<DiagnosticRule>> makeDefaultRules(const Settings& settings);

} // namespace coroscope
