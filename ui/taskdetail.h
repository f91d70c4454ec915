#pragma once

#include "session/sessionreader.h"

#include <QString>

namespace coroscope::ui {

/// The Tasks panel's detail pane, as rich text: state and times, what it awaits, its parent and
/// children, its error with the JS stack, its heap. Every string from the script is escaped.
QString taskDetailHtml(const session::SessionData& data, std::uint64_t taskId);

} // namespace coroscope::ui
