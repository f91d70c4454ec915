#include "model/runmodel.h"

#include <algorithm>

namespace coroscope {

const TaskInfo* RunSnapshot::task(std::uint64_t id) const {
    const auto it = std::lower_bound(tasks.begin(), tasks.end(), id,
                                     [](const TaskInfo& t, std::uint64_t value) { return t.id < value; });
    return it != tasks.end() && it->id == id ? &*it : nullptr;
}

const char* severityName(Severity s) noexcept {
    switch (s) {
    case Severity::Info:
        return "info";
    case Severity::Warning:
        return "warning";
    case Severity::Error:
        return "error";
    }
    return "unknown";
}

QString awaitSiteKey(const QString& awaited, const QString& location) {
    return awaited + QChar(0x1f) + location;
}

} // namespace coroscope
