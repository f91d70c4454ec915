// Session files where users keep them, and what reading one must never do: need write access or
// leave files behind (read-only storage), or mistake an empty or foreign file for a session of
// another program. Damaged and edited files: test_sessionsalvage.cpp.
#include "reading/sessionreader.h"
#include "reading/taskstore.h"
#include "session/sqlite.h"
#include "sessionfilesupport.h"
#include "syntheticsession.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace coroscope;
using namespace coroscope::session;
using namespace coroscope::test;

namespace {

bool run(const QString& program, const QStringList& arguments) {
    QProcess process;
    process.start(program, arguments);
    return process.waitForFinished(10'000) && process.exitStatus() == QProcess::NormalExit &&
           process.exitCode() == 0;
}

/// chattr +i for its lifetime: not even root can create a file in an immutable directory or write
/// an immutable file, so this is the read-only storage a test running as root can have (a
/// read-only mount needs privileges a container lacks; chmod does not stop root).
class Immutable {
public:
    explicit Immutable(const QString& path)
        : m_path(path)
        , m_set(run(QStringLiteral("chattr"), {QStringLiteral("+i"), path})) {}
    ~Immutable() {
        if (m_set)
            run(QStringLiteral("chattr"), {QStringLiteral("-i"), m_path});
    }
    Immutable(const Immutable&) = delete;
    Immutable& operator=(const Immutable&) = delete;
    bool isSet() const noexcept { return m_set; }

private:
    QString m_path;
    bool m_set;
};

/// A finished session as the runner leaves it: closed, its write-ahead log checkpointed and gone.
QString finishedSession(const QTemporaryDir& dir, const QString& name) {
    const QString path = dir.filePath(name);
    test::writeSyntheticSession(path, 300, 2);
    if (QFile::exists(path + QStringLiteral("-wal")))
        qFatal("the synthetic session kept its -wal");
    return path;
}

} // namespace

class TestSessionFiles : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readingLeavesTheFileAsItWas();
    void readsFromStorageNobodyCanWrite();
    void readsAsAUserWithoutWriteAccess();
    void readsTheLogOfAKilledRunner();
    void emptyAndForeignFilesAreNamedForWhatTheyAre_data();
    void emptyAndForeignFilesAreNamedForWhatTheyAre();
};

// Before: every read created FILE-wal and FILE-shm beside the session and left them there.
void TestSessionFiles::readingLeavesTheFileAsItWas() {
    const QTemporaryDir dir;
    const QString path = finishedSession(dir, QStringLiteral("s.coroscope"));
    const QByteArray bytes = contents(path);
    const QDateTime modified = QFileInfo(path).lastModified();
    QCOMPARE(readSession(path).snapshot.tasks.size(), std::size_t(300));
    QCOMPARE(TaskStore(path).ids({}).size(), std::size_t(300));
    copySession(path, dir.filePath(QStringLiteral("copy.coroscope")));
    const Result trace = coroscopeCli(
        {QStringLiteral("report"), path, QStringLiteral("-o"), dir.filePath(QStringLiteral("t.trace.json"))});
    QVERIFY2(trace.exitCode == 0, qPrintable(trace.err));
    QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
    QVERIFY(!QFile::exists(path + QStringLiteral("-shm")));
    QCOMPARE(contents(path), bytes);
    QCOMPARE(QFileInfo(path).lastModified(), modified);
    // A reader's connection refuses to write, whatever the file's permissions.
    Database db(path, Database::Mode::ReadOnly);
    QVERIFY_THROWS_EXCEPTION(SqliteError, db.exec("CREATE TABLE t (x)"));
}

// Before: "unable to open database file" — SQLite wanted to create FILE-shm in the directory.
void TestSessionFiles::readsFromStorageNobodyCanWrite() {
    const QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("ro")));
    const QString path = finishedSession(dir, QStringLiteral("ro/s.coroscope"));
    const Immutable readOnly(QFileInfo(path).path());
    const Immutable readOnlyFile(path);
    if (!readOnly.isSet() || !readOnlyFile.isSet())
        QSKIP("chattr +i is not supported here");
    QVERIFY(!QFile(dir.filePath(QStringLiteral("ro/probe"))).open(QIODevice::WriteOnly)); // really read-only
    try {
        QCOMPARE(readSession(path).snapshot.tasks.size(), std::size_t(300));
        QCOMPARE(TaskStore(path).ids({}).size(), std::size_t(300));
        copySession(path, dir.filePath(QStringLiteral("copy.coroscope")));
    } catch (const SessionError& e) {
        QFAIL(qPrintable(e.message()));
    }
    for (const char* report : {"r.json", "r.html", "r.trace.json"}) {
        const Result r = coroscopeCli(
            {QStringLiteral("report"), path, QStringLiteral("-o"), dir.filePath(QLatin1String(report))});
        QVERIFY2(r.exitCode == 0, qPrintable(QLatin1String(report) + QStringLiteral(": ") + r.err));
    }
}

// The reported case: a file 0444 in a directory 0555, read by a user other than root.
void TestSessionFiles::readsAsAUserWithoutWriteAccess() {
    if (::geteuid() != 0 || !QFileInfo::exists(QStringLiteral("/usr/bin/setpriv")))
        QSKIP("needs root and setpriv to read as another user");
    const QTemporaryDir dir;
    QVERIFY(QFile::setPermissions(dir.path(), QFile::Permissions(0x7755))); // nobody may enter
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("ro")));
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("out")));
    const QString path = finishedSession(dir, QStringLiteral("ro/s.coroscope"));
    QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther));
    QVERIFY(QFile::setPermissions(dir.filePath(QStringLiteral("out")), QFile::Permissions(0x7777)));
    QVERIFY(QFile::setPermissions(dir.filePath(QStringLiteral("ro")), QFile::Permissions(0x5555)));
    const QStringList nobody{QStringLiteral("/usr/bin/setpriv"), QStringLiteral("--reuid=65534"),
                             QStringLiteral("--regid=65534"), QStringLiteral("--clear-groups")};
    const Result r = coroscopeCli(
        {QStringLiteral("report"), path, QStringLiteral("-o"), dir.filePath(QStringLiteral("out/r.json"))},
        nobody);
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(QFile::exists(dir.filePath(QStringLiteral("out/r.json"))));
    QVERIFY(QFile::setPermissions(dir.filePath(QStringLiteral("ro")), QFile::Permissions(0x7755)));
}

// A killed runner leaves batches in FILE-wal that are not in FILE yet: they are read. Where the
// log's index (FILE-shm) cannot be made, the rest is still read, and the reader says what is not.
void TestSessionFiles::readsTheLogOfAKilledRunner() {
    const QTemporaryDir dir;
    const QString path = finishedSession(dir, QStringLiteral("s.coroscope"));
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("killed")));
    const QString killed = dir.filePath(QStringLiteral("killed/s.coroscope"));
    {
        // One more batch, committed into the log; the files copied while it is open, as a SIGKILL
        // would leave them (the index, FILE-shm, is rebuilt from the log by whoever reads it).
        Database db(path, Database::Mode::Create);
        db.exec("INSERT INTO logs (t_ns, line) VALUES (2000000000, 'after the checkpoint')");
        QVERIFY(QFileInfo(path + QStringLiteral("-wal")).size() > 0);
        QVERIFY(QFile::copy(path, killed));
        QVERIFY(QFile::copy(path + QStringLiteral("-wal"), killed + QStringLiteral("-wal")));
    }
    const SessionData whole = readSession(killed);
    QCOMPARE(whole.logs.size(), std::size_t(1));
    QVERIFY(whole.warnings.isEmpty());
    QVERIFY(QFile::remove(killed + QStringLiteral("-shm")));
    const Immutable readOnly(QFileInfo(killed).path());
    if (!readOnly.isSet())
        QSKIP("chattr +i is not supported here");
    try {
        const SessionData partial = readSession(killed);
        QCOMPARE(partial.snapshot.tasks.size(), std::size_t(300));
        QCOMPARE(partial.logs.size(), std::size_t(0));
        QCOMPARE(partial.warnings,
                 QStringList{killed + QStringLiteral(": the last batches are left out: they are still in "
                                                     "its write-ahead log (%1-wal), and reading that needs "
                                                     "write access to the directory")
                                          .arg(killed)});
    } catch (const SessionError& e) {
        QFAIL(qPrintable(e.message()));
    }
}

void TestSessionFiles::emptyAndForeignFilesAreNamedForWhatTheyAre_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("says");
    // Before: SQLite takes an empty file for an empty database: "an SQLite file of another program".
    QTest::newRow("empty") << QByteArray() << QStringLiteral("empty file, not a Coroscope session");
    QTest::newRow("text") << QByteArray("just some notes\n")
                          << QStringLiteral("not a Coroscope session (not an SQLite database)");
    QTest::newRow("one byte") << QByteArray(1, 'S')
                              << QStringLiteral("not a Coroscope session (not an SQLite database)");
    QTest::newRow("zeros") << QByteArray(64 * 1024, '\0')
                           << QStringLiteral("not a Coroscope session (not an SQLite database)");
}

void TestSessionFiles::emptyAndForeignFilesAreNamedForWhatTheyAre() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, says);
    const QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("s.coroscope"));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(bytes), bytes.size());
    }
    const QString expected = path + QStringLiteral(": ") + says;
    QVERIFY_THROWS_EXCEPTION(SessionError, readSession(path));
    try {
        (void)readSession(path);
    } catch (const SessionError& e) {
        QCOMPARE(e.message(), expected);
    }
    try {
        TaskStore store(path);
        QFAIL("a TaskStore opened it");
    } catch (const SessionError& e) {
        QCOMPARE(e.message(), expected);
    }
    const Result r = coroscopeCli(
        {QStringLiteral("report"), path, QStringLiteral("-o"), dir.filePath(QStringLiteral("r.json"))});
    QCOMPARE(r.exitCode, 2);
    QCOMPARE(r.err, QStringLiteral("coroscope report: ") + expected + u'\n');
    QCOMPARE(contents(path), bytes); // and left as it was
    QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
}

QTEST_GUILESS_MAIN(TestSessionFiles)
#include "test_sessionfiles.moc"
