#include "model/cpuprofile.h"

namespace coroscope {

QString CpuProfile::taskLabel(std::uint64_t taskId) const {
    if (taskId == 0)
        return QStringLiteral("(no task)");
    if (taskId == kOtherTasks)
        return QStringLiteral("(other tasks)");
    const auto found = taskNames.find(taskId);
    if (found != taskNames.end() && !found->second.isEmpty())
        return found->second;
    return QStringLiteral("task #%1").arg(taskId);
}

} // namespace coroscope
