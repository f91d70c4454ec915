#include "report/jsonreport.h"

#include "model/format.h"
#include "report/cpuprofileanalysis.h"
#include "report/incompletedata.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>

#include <algorithm>
#include <cmath>

namespace coroscope {

namespace {

// Milliseconds with microsecond precision: finer digits are below what the run can resolve
// anyway, and three decimals keep reports short and diffable.
double msFromNanos(std::int64_t ns) {
    return std::round(double(ns) / 1e3) / 1e3;
}
double msFromMicros(double micros) {
    return std::round(micros) / 1e3;
}

// JSON has no NaN or infinity; Qt would write null, breaking the number type the schema promises.
double finiteOrZero(double v) {
    return std::isfinite(v) ? v : 0.0;
}

QJsonValue idOrNull(std::uint64_t id) {
    return id ? QJsonValue(qint64(id)) : QJsonValue(QJsonValue::Null);
}
QJsonValue textOrNull(const QString& text) {
    return text.isEmpty() ? QJsonValue() : QJsonValue(text);
}

QJsonObject distribution(const Histogram& micros) {
    const PercentileSummary s = micros.summary();
    return QJsonObject{
        {QStringLiteral("count"), qint64(s.count)},      {QStringLiteral("mean_ms"), msFromMicros(s.mean)},
        {QStringLiteral("min_ms"), msFromMicros(s.min)}, {QStringLiteral("p50_ms"), msFromMicros(s.p50)},
        {QStringLiteral("p90_ms"), msFromMicros(s.p90)}, {QStringLiteral("p95_ms"), msFromMicros(s.p95)},
        {QStringLiteral("p99_ms"), msFromMicros(s.p99)}, {QStringLiteral("p999_ms"), msFromMicros(s.p999)},
        {QStringLiteral("max_ms"), msFromMicros(s.max)},
    };
}

QJsonObject runObject(const RunInfo& run, const RunSnapshot& snapshot, const QStringList& readWarnings) {
    QJsonObject params;
    for (const auto& [name, value] : run.params)
        params.insert(name, value); // a repeated --param keeps its last value, as the runner does
    return QJsonObject{
        {QStringLiteral("script"), run.script},
        {QStringLiteral("status"), runStatusName(run.status)},
        {QStringLiteral("duration_ms"), msFromNanos(run.durationNs)},
        {QStringLiteral("slow_threshold_ms"), msFromNanos(run.slowThresholdNs)},
        // An integer in the text, exact up to 2^63 - 1 (readers in JavaScript: up to 2^53).
        {QStringLiteral("seed"), qint64(run.seed)},
        {QStringLiteral("params"), params},
        {QStringLiteral("coroscope_version"), run.coroscopeVersion},
        {QStringLiteral("incomplete_data"),
         QJsonArray::fromStringList(incompleteDataNotes(snapshot, readWarnings))},
    };
}

QJsonArray slowCallbacksArray(const RunInfo& run, const RunSnapshot& snapshot) {
    QJsonArray items;
    for (const SlowCallback& slow : snapshot.slowCallbacks) {
        QJsonArray stack;
        for (const QString& frame : slow.stack.split(u'\n', Qt::SkipEmptyParts))
            stack.append(frame);
        items.append(QJsonObject{
            {QStringLiteral("t_ms"), msFromNanos(slow.startNs - run.startNs)},
            {QStringLiteral("duration_ms"), msFromNanos(slow.durationNs)},
            {QStringLiteral("task"), slow.taskId ? QJsonValue(slow.taskName) : QJsonValue()},
            {QStringLiteral("task_id"), idOrNull(slow.taskId)},
            {QStringLiteral("location"), textOrNull(slow.location)},
            {QStringLiteral("stack"), stack},
            {QStringLiteral("ongoing"), slow.ongoing},
            {QStringLiteral("event"), textOrNull(slow.eventType)},
        });
    }
    return items;
}

QJsonObject taskObject(const RunInfo& run, const TaskInfo& t) {
    return QJsonObject{
        {QStringLiteral("id"), qint64(t.id)},
        {QStringLiteral("name"), t.name},
        {QStringLiteral("parent_id"), idOrNull(t.parentId)},
        {QStringLiteral("state"), taskStateLabel(t.state)},
        {QStringLiteral("created_ms"), msFromNanos(t.createdNs - run.startNs)},
        {QStringLiteral("finished_ms"),
         t.finishedNs < 0 ? QJsonValue() : QJsonValue(msFromNanos(t.finishedNs - run.startNs))},
        {QStringLiteral("busy_ms"), msFromNanos(t.busyNs)},
        {QStringLiteral("idle_ms"), msFromNanos(t.idleNs)},
        {QStringLiteral("sched_ms"), msFromNanos(t.schedNs)},
        {QStringLiteral("resumes"), qint64(t.resumes)},
        {QStringLiteral("spawn_location"), t.spawnLocation},
        {QStringLiteral("awaiting"), textOrNull(t.awaiting)},
        {QStringLiteral("error"), textOrNull(t.error)},
        {QStringLiteral("alloc_bytes"), qint64(t.allocatedBytes)},
        {QStringLiteral("live_bytes"), qint64(t.liveBytes)},
    };
}

QJsonArray spawnSitesArray(const std::vector<SpawnSite>& sites) {
    QJsonArray out;
    for (const SpawnSite& site : sites) {
        if (out.size() >= kMaxJsonSpawnSites)
            break;
        const auto count = [&](TaskState s) { return qint64(site.byState[std::size_t(s)]); };
        out.append(QJsonObject{
            {QStringLiteral("location"), site.location.isEmpty() ? QJsonValue() : QJsonValue(site.location)},
            {QStringLiteral("spawned"), qint64(site.spawned)},
            {QStringLiteral("completed"), count(TaskState::Completed)},
            {QStringLiteral("failed"), count(TaskState::Failed)},
            {QStringLiteral("cancelled"), count(TaskState::Cancelled)},
            {QStringLiteral("live_end"), qint64(site.liveEnd)},
            {QStringLiteral("max_live"), qint64(site.maxLive)},
        });
    }
    return out;
}

QJsonArray awaitSitesArray(const std::vector<AwaitSiteStats>& sites) {
    // By total suspended time: where the waiting is. Ties by location, so reports compare.
    std::vector<const AwaitSiteStats*> order;
    for (const AwaitSiteStats& s : sites)
        order.push_back(&s);
    std::stable_sort(order.begin(), order.end(), [](const AwaitSiteStats* a, const AwaitSiteStats* b) {
        return a->micros.sum() > b->micros.sum();
    });
    QJsonArray out;
    for (const AwaitSiteStats* site : order) {
        if (out.size() >= kMaxJsonAwaitSites)
            break;
        QJsonObject item = distribution(site->micros);
        item.insert(QStringLiteral("location"),
                    site->location.isEmpty() ? QJsonValue() : QJsonValue(site->location));
        item.insert(QStringLiteral("awaited"), site->awaited);
        item.insert(QStringLiteral("total_ms"), msFromMicros(site->micros.sum()));
        out.append(item);
    }
    return out;
}

QJsonObject tasksObject(const RunInfo& run, const RunSnapshot& snapshot,
                        const std::vector<SpawnSite>& sites) {
    QJsonObject byState;
    for (int s = 0; s < kTaskStateCount; ++s)
        byState.insert(taskStateLabel(TaskState(s)), qint64(snapshot.tasksByState[std::size_t(s)]));
    QJsonArray items;
    for (const TaskInfo& t : snapshot.tasks)
        items.append(taskObject(run, t));
    return QJsonObject{
        {QStringLiteral("total"), qint64(snapshot.tasksTotal)},
        {QStringLiteral("by_state"), byState},
        {QStringLiteral("items"), items},
        {QStringLiteral("spawn_sites"), spawnSitesArray(sites)},
        {QStringLiteral("await_sites"), awaitSitesArray(snapshot.awaitSites)},
    };
}

QJsonObject memoryObject(const RunSnapshot& snapshot) {
    std::vector<const TaskInfo*> allocating;
    for (const TaskInfo& t : snapshot.tasks)
        if (t.allocatedBytes != 0)
            allocating.push_back(&t);
    // With the malloc interposer nearly every task allocates something: by_task is the ranking,
    // bounded; every task's own figures are in tasks.items. Ties broken by id so two reports of
    // the same run are byte-identical.
    constexpr std::size_t kMaxByTask = 100;
    const auto shown = std::min(allocating.size(), kMaxByTask);
    std::partial_sort(allocating.begin(), allocating.begin() + std::ptrdiff_t(shown), allocating.end(),
                      [](const TaskInfo* a, const TaskInfo* b) {
                          return a->liveBytes != b->liveBytes ? a->liveBytes > b->liveBytes : a->id < b->id;
                      });
    allocating.resize(shown);
    QJsonArray byTask;
    for (const TaskInfo* t : allocating)
        byTask.append(QJsonObject{
            {QStringLiteral("task"), t->name},
            {QStringLiteral("task_id"), qint64(t->id)},
            {QStringLiteral("live_bytes"), qint64(t->liveBytes)},
            {QStringLiteral("allocated_bytes"), qint64(t->allocatedBytes)},
        });
    const MemoryStats& m = snapshot.memoryStats;
    return QJsonObject{
        {QStringLiteral("rss_start_bytes"), qint64(m.rssStartBytes)},
        {QStringLiteral("rss_peak_bytes"), qint64(m.rssPeakBytes)},
        {QStringLiteral("rss_end_bytes"), qint64(m.rssEndBytes)},
        {QStringLiteral("growth_bytes_per_s"), finiteOrZero(m.rssGrowthBytesPerSecond)},
        {QStringLiteral("by_task"), byTask},
    };
}

QJsonObject cpuProfileObject(const CpuProfile& profile) {
    QJsonArray byTask;
    for (const CpuTaskCost& t : cpuSamplesByTask(profile)) {
        if (byTask.size() == kMaxJsonCpuEntries)
            break;
        const bool real = t.taskId != 0 && t.taskId != CpuProfile::kOtherTasks;
        byTask.append(
            QJsonObject{{QStringLiteral("task"), t.label},
                        {QStringLiteral("task_id"), real ? QJsonValue(qint64(t.taskId)) : QJsonValue()},
                        {QStringLiteral("samples"), qint64(t.samples)}});
    }
    QJsonArray functions;
    for (const CpuFunctionCost& c : cpuFunctionCosts(profile)) {
        if (functions.size() == kMaxJsonCpuEntries)
            break;
        const CpuFrame& f = profile.frames[c.frame];
        functions.append(QJsonObject{{QStringLiteral("function"), f.function},
                                     {QStringLiteral("module"), textOrNull(f.module)},
                                     {QStringLiteral("file"), textOrNull(f.file)},
                                     {QStringLiteral("line"), f.line > 0 ? QJsonValue(f.line) : QJsonValue()},
                                     {QStringLiteral("self"), qint64(c.self)},
                                     {QStringLiteral("total"), qint64(c.total)}});
    }
    const CpuProfileCounters& n = profile.counters;
    return QJsonObject{
        {QStringLiteral("sampled"), profile.recorded()},
        {QStringLiteral("interval_ms"), msFromNanos(profile.intervalNs)},
        {QStringLiteral("samples"), qint64(n.samples)},
        {QStringLiteral("stacks"), qint64(n.stacks)},
        {QStringLiteral("dropped_stacks"), qint64(n.droppedStacks)},
        {QStringLiteral("over_budget_samples"), qint64(n.overBudget)},
        {QStringLiteral("by_task"), byTask},
        {QStringLiteral("top_functions"), functions},
    };
}

QJsonArray diagnosticsArray(const RunSnapshot& snapshot) {
    QJsonArray items;
    for (const Diagnostic& d : snapshot.diagnostics)
        items.append(QJsonObject{
            {QStringLiteral("rule"), d.rule},
            {QStringLiteral("severity"), QString::fromLatin1(severityName(d.severity))},
            {QStringLiteral("message"), d.message},
            {QStringLiteral("task"), d.taskId ? QJsonValue(d.taskName) : QJsonValue()},
            {QStringLiteral("task_id"), idOrNull(d.taskId)},
            {QStringLiteral("location"), textOrNull(d.location)},
        });
    return items;
}
} // namespace

QByteArray toJsonReport(const RunInfo& run, const RunSnapshot& snapshot, const QStringList& readWarnings,
                        const CpuProfile& cpuProfile, const std::vector<SpawnSite>* spawnSites) {
    std::vector<SpawnSite> folded;
    if (!spawnSites) {
        const std::int64_t endNs = run.startNs + run.durationNs;
        folded =
            spawnSitesOf(snapshot.tasks, run.startNs, endNs, run.mainEndedNs > 0 ? run.mainEndedNs : endNs);
        spawnSites = &folded;
    }
    QJsonArray latency;
    for (const LatencyMetric& metric : snapshot.latency) {
        QJsonObject item = distribution(metric.micros);
        item.insert(QStringLiteral("name"), metric.name);
        latency.append(item);
    }
    const QJsonObject root{
        {QStringLiteral("schema"), QLatin1String(kJsonReportSchema)},
        {QStringLiteral("run"), runObject(run, snapshot, readWarnings)},
        {QStringLiteral("slow_callbacks"), slowCallbacksArray(run, snapshot)},
        {QStringLiteral("tasks"), tasksObject(run, snapshot, *spawnSites)},
        {QStringLiteral("latency"), latency},
        {QStringLiteral("loop"), QJsonObject{{QStringLiteral("lag"), distribution(snapshot.loopLagMicros)},
                                             {QStringLiteral("utilization"),
                                              std::clamp(finiteOrZero(snapshot.loopUtilization), 0.0, 1.0)},
                                             {QStringLiteral("cpu_profile"), cpuProfileObject(cpuProfile)}}},
        {QStringLiteral("memory"), memoryObject(snapshot)},
        {QStringLiteral("diagnostics"), diagnosticsArray(snapshot)},
    };
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

} // namespace coroscope
