#include "collect/diagnostics/diagnosticrule.h"

#include "collect/diagnostics/rules.h"

namespace coroscope {

Diagnostic DiagnosticRule::make(QString message, const TaskInfo* task, std::int64_t tNs) const {
    Diagnostic d;
    d.rule = name();
    d.severity = severity();
    d.message = std::move(message);
    d.tNs = tNs;
    if (task) {
        d.taskId = task->id;
        d.taskName = task->name;
        d.location = task->spawnLocation;
    }
    return d;
}

std::vector<std::unique_ptr<DiagnosticRule>> makeDefaultRules(const Settings& settings) {
    std::vector<std::unique_ptr<DiagnosticRule>> rules;
    rules.push_back(std::make_unique<SlowCallbackRule>());
    rules.push_back(std::make_unique<ExceptionNeverRetrievedRule>());
    rules.push_back(std::make_unique<TaskLeakedRule>());
    rules.push_back(std::make_unique<StuckTaskRule>(settings.stuckTaskThreshold));
    rules.push_back(std::make_unique<SpawnSiteGrowingRule>(settings.spawnSiteGrowthTasks,
                                                           settings.spawnSiteGrowthWindow));
    rules.push_back(
        std::make_unique<MemoryGrowthRule>(settings.memoryGrowthBytes, settings.memoryGrowthWindow));
    return rules;
}

} // namespace coroscope
