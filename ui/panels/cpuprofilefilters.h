#pragma once

#include "model/cpuprofile.h"
#include "report/cpuprofileanalysis.h"

class QComboBox;

namespace coroscope::ui {

// The CPU profile view's filter boxes. Refilled with every build of a live run (it finds new
// tasks), each keeps what was chosen while it is still there, without a signal.

/// "All tasks", then every task of `profile` by samples with its share; the task id as item data.
void fillTaskBox(QComboBox& box, const CpuProfile& profile);

/// "All events", then every event type on the profile's roots ("" outside any dispatch, shown
/// as "(outside any dispatch)"); the event type as item data.
void fillEventBox(QComboBox& box, const CpuProfile& profile);

/// What the two boxes select.
CpuProfileFilter selectedFilter(const QComboBox& tasks, const QComboBox& events);

} // namespace coroscope::ui
