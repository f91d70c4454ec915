#pragma once

#include "model/runmodel.h"

#include <QStringList>

namespace coroscope {

/// What the figures of a run do not include, one sentence each: first what could not be read of
/// its session file (`readWarnings`, SessionData::warnings), then what was not kept while it was
/// recorded (DropCounters). Empty when nothing was lost. Every report format, the window and the
/// diff say these where their figures are read, not only `coroscope report` on stderr.
QStringList incompleteDataNotes(const RunSnapshot& snapshot, const QStringList& readWarnings = {});

} // namespace coroscope
