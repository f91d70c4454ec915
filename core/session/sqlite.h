#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace coroscope::session {

/// A failed SQLite call, with what SQLite said and which file: every session error a user sees
/// names the file and the cause.
class SqliteError : public std::runtime_error {
public:
    SqliteError(int code, const QString& message)
        : std::runtime_error(message.toStdString())
        , m_code(code) {}
    int code() const noexcept { return m_code; }
    /// SQLITE_CORRUPT or SQLITE_NOTADB: the file is damaged or not a database at all.
    bool isCorruption() const noexcept;
    /// SQLITE_FULL or SQLITE_IOERR: the disk, not the data.
    bool isStorage() const noexcept;

private:
    int m_code;
};

class Statement;

/// One connection (RAII). Used by one thread at a time.
class Database {
public:
    /// ReadOnly never writes to the file and creates nothing beside it (no FILE-wal, FILE-shm), so
    /// a session on read-only storage or in a directory of someone else reads like any other; a
    /// session still being written (or left by a killed runner) is read through its log.
    enum class Mode { ReadOnly, Create };
    Database(const QString& path, Mode mode);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(const char* sql);
    Statement prepare(const char* sql);
    /// The first column of the first row of `sql` (0 when there is none).
    std::int64_t scalar(const char* sql);
    const QString& path() const noexcept { return m_path; }
    sqlite3* handle() const noexcept { return m_db; }
    [[noreturn]] void fail(int code, const char* what) const;
    /// ReadOnly only: the file has batches in its write-ahead log that could not be read (their
    /// index, FILE-shm, cannot be made without write access to the directory): the connection
    /// reads the main file alone.
    bool walLeftOut() const noexcept { return m_walLeftOut; }
    /// ReadOnly only: the file was opened as a finished session that does not change (no log to
    /// read), and it has been written since — replaced, grown, or given a log again. This
    /// connection would not see that: a reader that stays open (the views' TaskStore) opens anew.
    bool changedSinceOpened() const;
    struct CutShort {
        std::int64_t bytes = 0;    ///< the file's size
        std::int64_t expected = 0; ///< what its header says it has (pages × page size)
    };
    /// ReadOnly only, read without a log: the file is shorter than its header says (a copy that did
    /// not finish, a full disk). SQLite refuses such a file whole ("malformed"); this connection
    /// reads the pages it has, and a table that reaches past the end fails when it gets there.
    const std::optional<CutShort>& cutShort() const noexcept { return m_cutShort; }

private:
    /// What identifies one state of a finished file: a writer changes one of them.
    struct FileStamp {
        std::uint64_t inode = 0;
        std::int64_t size = -1;
        std::int64_t mtimeNs = 0;
        bool operator==(const FileStamp&) const = default;
    };
    static FileStamp stampOf(const QString& path);
    void open(const QByteArray& name, int flags, const char* vfs = nullptr);

    sqlite3* m_db = nullptr;
    QString m_path;
    bool m_walLeftOut = false;
    std::optional<FileStamp> m_immutableStamp; ///< set when opened immutable
    std::optional<CutShort> m_cutShort;
};

/// A prepared statement (RAII). bind() indices start at 1, column() at 0, as in SQLite.
class Statement {
public:
    Statement(Database& db, const char* sql);
    ~Statement();
    Statement(Statement&& other) noexcept
        : m_db(other.m_db)
        , m_stmt(std::exchange(other.m_stmt, nullptr)) {}
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement& operator=(Statement&&) = delete;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, const QString& value); ///< a null QString binds NULL
    Statement& bindBlob(int index, const QByteArray& value);
    Statement& bindNull(int index);
    /// Text that outlives the statement's next step (a string literal): bound without a copy.
    Statement& bindStatic(int index, const char* latin1);
    /// Steps once: true while there is a row to read.
    bool step();
    /// Steps a statement that returns no rows, then resets it for the next bind.
    void run();
    void reset();

    std::int64_t integer(int column) const;
    double real(int column) const;
    /// At most `maxChars` UTF-16 units of the column's text; a longer text is cut there and ends
    /// in "…" (so one huge value never becomes one huge string). kWholeText: no bound.
    QString text(int column, qsizetype maxChars) const;
    static constexpr qsizetype kWholeText = std::numeric_limits<qsizetype>::max();
    QByteArray blob(int column) const;
    bool isNull(int column) const;

private:
    Statement& checked(int rc);

    Database* m_db;
    sqlite3_stmt* m_stmt = nullptr;
};

} // namespace coroscope::session
