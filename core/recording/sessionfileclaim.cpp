#include "recording/sessionfileclaim.h"

#include "session/sqlite.h"

#include <QFile>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace coroscope::session {
namespace {

/// True if `path` is an SQLite file with a session's meta table: what a runner wrote.
bool isCoroscopeSession(const QString& path) {
    try {
        Database db(path, Database::Mode::ReadOnly);
        Statement s = db.prepare("SELECT value FROM meta WHERE key = 'coroscope_version'");
        return s.step();
    } catch (const SqliteError&) {
        return false;
    }
}

} // namespace

SessionFileClaim::SessionFileClaim(const QString& path) {
    const auto refuse = [&](const QString& why) {
        if (m_fd >= 0)
            ::close(m_fd);
        throw SqliteError(0, QStringLiteral("%1: %2").arg(path, why));
    };
    const QByteArray native = QFile::encodeName(path);
    m_fd = ::open(native.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0)
        refuse(QString::fromLocal8Bit(std::strerror(errno)));
    struct stat info {};
    if (::fstat(m_fd, &info) != 0 || !S_ISREG(info.st_mode))
        refuse(QStringLiteral("not a regular file"));
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0)
        refuse(errno == EWOULDBLOCK
                   ? QStringLiteral("another runner is writing this session; choose another file")
                   : QString::fromLocal8Bit(std::strerror(errno)));
    if (info.st_size > 0 && !isCoroscopeSession(path))
        refuse(
            QStringLiteral("the file exists and is not a Coroscope session: not overwritten (choose another "
                           "session file)"));
    // An earlier session's WAL would be replayed into the new one: it goes first.
    for (const char* suffix : {"-wal", "-shm"}) {
        const QString stale = path + QLatin1String(suffix);
        if (QFile::exists(stale) && !QFile::remove(stale))
            refuse(QStringLiteral("cannot replace %1").arg(stale));
    }
    if (::ftruncate(m_fd, 0) != 0)
        refuse(QString::fromLocal8Bit(std::strerror(errno)));
}

SessionFileClaim::~SessionFileClaim() {
    // Closing any descriptor of a file drops the process's fcntl locks on it, SQLite's too: the
    // writer closes its database before this runs (member order).
    if (m_fd >= 0)
        ::close(m_fd);
}

} // namespace coroscope::session
