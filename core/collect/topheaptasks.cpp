#include "collect/topheaptasks.h"

#include <algorithm>

namespace coroscope {

void TopHeapTasks::enter(std::uint64_t taskId, std::int64_t bytes) {
    Entry* freeSlot = nullptr;
    Entry* smallest = nullptr;
    for (Entry& e : m_entries) {
        if (e.taskId == taskId) {
            e.peakBytes = std::max(e.peakBytes, bytes);
            updateThreshold();
            return;
        }
        if (e.taskId == 0) {
            if (!freeSlot)
                freeSlot = &e;
        } else if (!smallest || e.peakBytes < smallest->peakBytes) { // ties: the earlier one goes
            smallest = &e;
        }
    }
    *(freeSlot ? freeSlot : smallest) = Entry{taskId, bytes};
    updateThreshold();
}

void TopHeapTasks::onForgotten(std::uint64_t taskId) {
    for (Entry& e : m_entries)
        if (e.taskId == taskId) {
            e = Entry{};
            updateThreshold();
            return;
        }
}

void TopHeapTasks::updateThreshold() {
    std::int64_t smallest = -1;
    for (const Entry& e : m_entries) {
        if (e.taskId == 0) {
            m_enterAbove = 0;
            return;
        }
        smallest = smallest < 0 ? e.peakBytes : std::min(smallest, e.peakBytes);
    }
    m_enterAbove = smallest;
}

} // namespace coroscope
