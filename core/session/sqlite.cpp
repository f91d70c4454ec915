#include "session/sqlite.h"

#include "session/wholepagesvfs_p.h"

#include <QFile>
#include <QFileInfo>
#include <QUrl>

#include <algorithm>
#include <sqlite3.h>
#include <sys/stat.h>

namespace coroscope::session {

bool SqliteError::isCorruption() const noexcept {
    return (m_code & 0xFF) == SQLITE_CORRUPT || (m_code & 0xFF) == SQLITE_NOTADB;
}

bool SqliteError::isStorage() const noexcept {
    return (m_code & 0xFF) == SQLITE_FULL || (m_code & 0xFF) == SQLITE_IOERR;
}

namespace {

/// `path` as an SQLite URI with `query` (the path percent-encoded: a '?' or '#' in it is a name).
QByteArray uri(const QString& path, const char* query) {
    return "file:" + QUrl::toPercentEncoding(QFileInfo(path).absoluteFilePath(), "/") + '?' + query;
}

/// What an SQLite file's header says of its length: none (0 pages) when it is not an SQLite header,
/// or when its page count is stale (older writers: the change counter at 24 and the "version
/// valid for" at 92 differ).
struct Header {
    std::int64_t pageSize = 0;
    std::int64_t pages = 0;
};

Header headerOf(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray h = file.read(100);
    if (h.size() < 100 || !h.startsWith("SQLite format 3") || h.mid(24, 4) != h.mid(92, 4))
        return {};
    const auto byte = [&](int i) { return std::int64_t(std::uint8_t(h[i])); };
    const std::int64_t stored = byte(16) << 8 | byte(17);
    const std::int64_t pageSize = stored == 1 ? 65536 : stored;
    if (pageSize < 512 || (pageSize & (pageSize - 1)) != 0)
        return {}; // not a page size SQLite writes: it will call the file what it is
    return {pageSize, byte(28) << 24 | byte(29) << 16 | byte(30) << 8 | byte(31)};
}

bool isNoWriteAccess(int rc) {
    return (rc & 0xFF) == SQLITE_CANTOPEN || (rc & 0xFF) == SQLITE_READONLY;
}

} // namespace

Database::Database(const QString& path, Mode mode)
    : m_path(path) {
    if (mode == Mode::Create) {
        open(path.toUtf8(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        return;
    }
    // A WAL database opened read-only still makes FILE-wal and FILE-shm (and fails where it cannot:
    // "attempt to write a readonly database"). Only a log that holds frames has anything to read:
    // a runner still writing, or one that was killed. A finished runner checkpointed its log and
    // removed it (or left it empty, if a reader held the file as it closed), so then the main file
    // is the whole session and does not change: opened immutable, SQLite creates nothing and takes
    // no lock. (A runner that closes between this check and the open leaves SQLite an empty log
    // and index to make here: they stay, empty, and the next read is immutable again.)
    if (QFileInfo(path + QStringLiteral("-wal")).size() > 0) {
        open(uri(path, "mode=ro"), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
        // The first read opens the log and its index. Without write access to the directory there
        // may be no index to map (FILE-shm missing): then the main file alone is read.
        const int rc = sqlite3_exec(m_db, "SELECT 1 FROM sqlite_master LIMIT 1", nullptr, nullptr, nullptr);
        if (!isNoWriteAccess(rc))
            return; // read (or damaged: the caller's first statement says how)
        sqlite3_close_v2(std::exchange(m_db, nullptr));
        m_walLeftOut = true;
    }
    m_immutableStamp = stampOf(path);
    const Header header = headerOf(path);
    const std::int64_t size = m_immutableStamp->size;
    if (header.pages * header.pageSize <= size) {
        open(uri(path, "immutable=1"), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
        return;
    }
    // Cut short (a copy that did not finish, a full disk): SQLite refuses such a file whole
    // ("malformed"). Read its whole pages only (a partial last page would give rows of zeros), and
    // with writable_schema, which lets SQLite take the pages there are for the database's size (a
    // flag of this read-only connection: nothing can be written).
    m_cutShort = CutShort{size, header.pages * header.pageSize};
    const std::int64_t whole = size / header.pageSize * header.pageSize;
    if (whole == 0)
        throw SqliteError(SQLITE_CORRUPT,
                          QStringLiteral("%1: damaged session: cut short inside its first page (%2 "
                                         "of its %3 bytes): nothing in it can be read")
                              .arg(path)
                              .arg(size)
                              .arg(m_cutShort->expected));
    open(uri(path, ("immutable=1&whole_bytes=" + std::to_string(whole)).c_str()),
         SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, wholePagesVfs());
    sqlite3_exec(m_db, "PRAGMA writable_schema = ON", nullptr, nullptr, nullptr); // cannot fail
}

Database::FileStamp Database::stampOf(const QString& path) {
    struct stat st {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return {};
    return {std::uint64_t(st.st_ino), std::int64_t(st.st_size),
            std::int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

bool Database::changedSinceOpened() const {
    return m_immutableStamp &&
           (stampOf(m_path) != *m_immutableStamp || QFileInfo(m_path + QStringLiteral("-wal")).size() > 0);
}

void Database::open(const QByteArray& name, int flags, const char* vfs) {
    const int rc = sqlite3_open_v2(name.constData(), &m_db, flags | SQLITE_OPEN_NOMUTEX, vfs);
    if (rc != SQLITE_OK) {
        const QString message =
            m_db ? QString::fromUtf8(sqlite3_errmsg(m_db)) : QStringLiteral("out of memory");
        sqlite3_close(std::exchange(m_db, nullptr));
        throw SqliteError(rc, QStringLiteral("%1: %2").arg(m_path, message));
    }
    sqlite3_extended_result_codes(m_db, 1);
    // A reader and the writer share the file: wait for a moment rather than fail at once.
    sqlite3_busy_timeout(m_db, 2000);
}

Database::~Database() {
    sqlite3_close_v2(m_db);
}

void Database::fail(int code, const char* what) const {
    throw SqliteError(code,
                      QStringLiteral("%1: %2 (%3)")
                          .arg(m_path, QString::fromUtf8(sqlite3_errmsg(m_db)), QString::fromUtf8(what)));
}

void Database::exec(const char* sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        const QString message = QString::fromUtf8(error ? error : sqlite3_errstr(rc));
        sqlite3_free(error);
        throw SqliteError(rc, QStringLiteral("%1: %2").arg(m_path, message));
    }
}

Statement Database::prepare(const char* sql) {
    return Statement(*this, sql);
}

std::int64_t Database::scalar(const char* sql) {
    Statement s(*this, sql);
    return s.step() ? s.integer(0) : 0;
}

Statement::Statement(Database& db, const char* sql)
    : m_db(&db) {
    const int rc = sqlite3_prepare_v3(db.handle(), sql, -1, 0, &m_stmt, nullptr);
    if (rc != SQLITE_OK)
        db.fail(rc, sql);
}

Statement::~Statement() {
    sqlite3_finalize(m_stmt);
}

// Without sqlite3_clear_bindings() a failed bind would leave the previous row's value in place.
Statement& Statement::checked(int rc) {
    if (rc != SQLITE_OK)
        m_db->fail(rc, sqlite3_sql(m_stmt));
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    return checked(sqlite3_bind_int64(m_stmt, index, value));
}

Statement& Statement::bind(int index, double value) {
    return checked(sqlite3_bind_double(m_stmt, index, value));
}

Statement& Statement::bind(int index, const QString& value) {
    if (value.isNull())
        return bindNull(index);
    const QByteArray utf8 = value.toUtf8();
    return checked(sqlite3_bind_text64(m_stmt, index, utf8.constData(), sqlite3_uint64(utf8.size()),
                                       SQLITE_TRANSIENT, SQLITE_UTF8));
}

Statement& Statement::bindBlob(int index, const QByteArray& value) {
    return checked(sqlite3_bind_blob64(m_stmt, index, value.constData(), sqlite3_uint64(value.size()),
                                       SQLITE_TRANSIENT));
}

Statement& Statement::bindStatic(int index, const char* latin1) {
    return checked(sqlite3_bind_text(m_stmt, index, latin1, -1, SQLITE_STATIC));
}

Statement& Statement::bindNull(int index) {
    return checked(sqlite3_bind_null(m_stmt, index));
}

bool Statement::step() {
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    const int code = rc;
    sqlite3_reset(m_stmt);
    m_db->fail(code, sqlite3_sql(m_stmt));
}

void Statement::run() {
    step();
    reset();
}

void Statement::reset() {
    // No sqlite3_clear_bindings(): every caller binds every parameter (NULLs explicitly) before the
    // next step, and clearing costs a pass over them per row on the writer's hottest path.
    sqlite3_reset(m_stmt);
}

std::int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(m_stmt, column);
}

double Statement::real(int column) const {
    return sqlite3_column_double(m_stmt, column);
}

QString Statement::text(int column, qsizetype maxChars) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
    if (!data)
        return {};
    const qsizetype bytes = sqlite3_column_bytes(m_stmt, column);
    // UTF-8 spends at most 3 bytes on one UTF-16 unit (4 on a pair), so this prefix holds more than
    // maxChars units: the rest of a huge value is never converted.
    const qsizetype enough = maxChars >= bytes ? bytes : std::min(bytes, 3 * (maxChars + 2));
    QString text = QString::fromUtf8(data, enough);
    if (text.size() <= maxChars)
        return text;
    text.truncate(maxChars > 0 && text.at(maxChars - 1).isHighSurrogate() ? maxChars - 1 : maxChars);
    text += u'…';
    return text;
}

QByteArray Statement::blob(int column) const {
    const void* data = sqlite3_column_blob(m_stmt, column);
    return data ? QByteArray(static_cast<const char*>(data), sqlite3_column_bytes(m_stmt, column))
                : QByteArray();
}

bool Statement::isNull(int column) const {
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

} // namespace coroscope::session
