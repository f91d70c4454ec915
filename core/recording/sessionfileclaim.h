#pragma once

#include <QString>

namespace coroscope::session {

/// Claims a session file for one writer, for as long as it lives: the path's own file, locked
/// with flock(2) (SQLite's locks are fcntl(2) ones, which flock never meets on Linux).
///
/// A path that holds something else is never overwritten: an existing file must be empty or a
/// Coroscope session, and not one another runner is writing. The file is emptied in place, not
/// unlinked, so two runners given the same path always meet on the same lock.
class SessionFileClaim {
public:
    /// Throws SqliteError naming the file and the cause if the path cannot be claimed.
    explicit SessionFileClaim(const QString& path);
    ~SessionFileClaim();
    SessionFileClaim(const SessionFileClaim&) = delete;
    SessionFileClaim& operator=(const SessionFileClaim&) = delete;

private:
    int m_fd = -1;
};

} // namespace coroscope::session
