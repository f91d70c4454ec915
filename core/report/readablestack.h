#pragma once

#include <QString>
#include <QStringList>

namespace coroscope {

/// The frame a reader wants first: the first that is not the C or C++ runtime (a sleeping
/// callback's top frames are nanosleep and std::this_thread); for a frame the compiler inlined,
/// the caller it was folded into. The HTML report's stack summary and the window's stack pane.
QString firstInterestingFrame(const QString& stack);

/// A captured stack ("#N function (file:line)" per line, top first) as the window shows it: the
/// runtime frames above the first interesting one folded into one line that says what they were,
/// an inlined frame shown as its caller, and each run of three or more frames of one library
/// without source lines (the JS engine's, Qt's) folded into one line. Nothing is lost that a
/// reader needs: every folded line says how many frames and of what.
QStringList readableStack(const QString& stack);

} // namespace coroscope
