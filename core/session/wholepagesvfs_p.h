#pragma once

namespace coroscope::session {

/// The name of an SQLite VFS that reads a database file as if it ended after the byte count in
/// its URI parameter `whole_bytes`, and never writes. A file cut short mid-page is given to
/// SQLite as its whole pages only: SQLite would read the partial last page with its missing end
/// as zeros, and return blank or half-zeroed rows from it as if they were data.
const char* wholePagesVfs();

} // namespace coroscope::session
