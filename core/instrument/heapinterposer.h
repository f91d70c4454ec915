#pragma once

/// Controls of the malloc interposer (heapinterposer.cpp), for code linked with it.
namespace coroscope::heap {

/// New blocks get no header and no owner from now on; blocks tagged so far stay valid. For a
/// process with no tasks to charge (the launch probe in a program without the SDK): every block
/// then costs what the backend's does, with no extra 16 bytes (which spread small, hot objects
/// over more cache lines) and no header to write. interposed() becomes false.
void stopTagging() noexcept;

} // namespace coroscope::heap
