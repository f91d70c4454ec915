// The command-line reference kept true: docs/cli.md has a section per command that
// `coroscope --help` lists, and each section's option table names exactly the long options that
// `coroscope COMMAND --help` prints: an option added without documenting it, or documented after
// it was removed, fails here. docs/scripting.md's table of `coroscope run` options too.
#include <QFile>
#include <QMap>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

namespace {

struct Process {
    int exitCode = -1;
    QString out;
    QString err;
};

Process coroscope(const QStringList& arguments) {
    QProcess process;
    // A binary being relinked (a parallel build) cannot start for a moment: try again.
    for (int attempt = 0; attempt < 10; ++attempt) {
        process.start(QStringLiteral(COROSCOPE_BINARY), arguments);
        if (process.waitForStarted())
            break;
        QTest::qWait(1000);
    }
    if (!process.waitForFinished(30'000))
        qFatal("coroscope %s did not finish: %s", qPrintable(arguments.join(u' ')),
               qPrintable(process.errorString()));
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

QString readFile(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

QSet<QString> longOptionsIn(const QString& text) {
    static const QRegularExpression option(QStringLiteral("(?<![\\w-])--[a-z][a-z0-9-]*"));
    QSet<QString> found;
    for (auto it = option.globalMatch(text); it.hasNext();)
        found << it.next().captured(0);
    return found;
}

QString sorted(const QSet<QString>& set) {
    QStringList list(set.cbegin(), set.cend());
    list.sort();
    return list.join(u' ');
}

/// The long options a help text defines: its option lines, which QCommandLineParser (and
/// coroscope's own usage) indent by exactly two spaces; the names end at the first double space.
/// Descriptions and their continuation lines, which may mention other options, do not count.
QSet<QString> helpOptions(const QString& help) {
    QSet<QString> found;
    for (const QString& line : help.split(u'\n')) {
        if (!line.startsWith(QLatin1String("  -")))
            continue;
        const qsizetype gap = line.indexOf(QLatin1String("  "), 2);
        found += longOptionsIn(gap < 0 ? line : line.left(gap));
    }
    return found;
}

/// The commands of `coroscope --help`, each with the text of its entry (which names some of its
/// options): the lines under "Commands:" that start at two spaces, with their continuation lines.
QMap<QString, QString> helpCommands(const QString& help) {
    QMap<QString, QString> commands;
    static const QRegularExpression entry(QStringLiteral("^  ([a-z][a-z-]*)\\b"));
    bool inCommands = false;
    QString current;
    for (const QString& line : help.split(u'\n')) {
        if (line == QLatin1String("Commands:")) {
            inCommands = true;
            continue;
        }
        if (!inCommands)
            continue;
        if (line.trimmed().isEmpty())
            break;
        if (const QRegularExpressionMatch m = entry.match(line); m.hasMatch())
            current = m.captured(1);
        if (!current.isEmpty())
            commands[current] += line + u'\n';
    }
    return commands;
}

/// A page's sections, by their `## ` heading (its text without the hashes and backticks).
QMap<QString, QString> sections(const QString& page) {
    QMap<QString, QString> found;
    QString current;
    for (const QString& line : page.split(u'\n')) {
        if (line.startsWith(QLatin1String("## "))) {
            current = line.mid(3).remove(u'`').trimmed();
            continue;
        }
        if (!current.isEmpty())
            found[current] += line + u'\n';
    }
    return found;
}

/// The long options in the first column of the Markdown tables of `text`, optionally only those
/// below the `### ` heading `subheading` (up to the next heading).
QSet<QString> tableOptions(const QString& text, const QString& subheading = QString()) {
    QSet<QString> found;
    bool inScope = subheading.isEmpty();
    for (const QString& line : text.split(u'\n')) {
        if (line.startsWith(u'#')) {
            if (!subheading.isEmpty())
                inScope = line == QStringLiteral("### ") + subheading;
            continue;
        }
        if (!inScope || !line.startsWith(u'|'))
            continue;
        found += longOptionsIn(line.section(u'|', 1, 1));
    }
    return found;
}

const QString kTopLevel = QStringLiteral("coroscope");

} // namespace

class TestHelpDocs : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void commandHasASection();
    void sectionIsACommand();
    void helpOptionsAreDocumented_data();
    void helpOptionsAreDocumented();
    void topLevelEntriesNameRealOptions();
    void documentedOptionsExist();
    void scriptingRunOptions();
    void unknownOptionIsBadInput_data();
    void unknownOptionIsBadInput();

private:
    QString m_topHelp;
    QMap<QString, QString> m_commands;      ///< command -> its entry in `coroscope --help`
    QMap<QString, QSet<QString>> m_options; ///< command ("coroscope" for the top level) -> options
    QMap<QString, QString> m_sections;      ///< docs/cli.md's sections by heading
};

void TestHelpDocs::initTestCase() {
    const Process top = coroscope({QStringLiteral("--help")});
    QCOMPARE(top.exitCode, 0);
    m_topHelp = top.out;
    m_commands = helpCommands(m_topHelp);
    // Guards the parsing itself: a help text the parser misreads must not pass as "no options".
    QVERIFY2(m_commands.size() >= 5, qPrintable(m_topHelp));
    m_options[kTopLevel] = helpOptions(m_topHelp);
    QVERIFY2(m_options[kTopLevel].contains(QStringLiteral("--version")), qPrintable(m_topHelp));
    for (auto it = m_commands.cbegin(); it != m_commands.cend(); ++it) {
        const Process help = coroscope({it.key(), QStringLiteral("--help")});
        QVERIFY2(help.exitCode == 0, qPrintable(QStringLiteral("coroscope %1 --help: exit %2\n%3")
                                                    .arg(it.key())
                                                    .arg(help.exitCode)
                                                    .arg(help.err)));
        QVERIFY2(help.err.isEmpty(), qPrintable(help.err));
        // The usage line names the command as users type it, not the binary's path (the bug
        // `coroscope examples --help` had).
        QVERIFY2(help.out.startsWith(QStringLiteral("Usage: coroscope ") + it.key() + u' '),
                 qPrintable(help.out.section(u'\n', 0, 0)));
        m_options[it.key()] = helpOptions(help.out);
        QVERIFY2(m_options[it.key()].contains(QStringLiteral("--help")), qPrintable(help.out));
        // Only what the command handles: QCommandLineParser::addHelpOption() adds a --help-all
        // that no command ever answered.
        QVERIFY2(!m_options[it.key()].contains(QStringLiteral("--help-all")), qPrintable(help.out));
    }
    QVERIFY2(m_options.value(QStringLiteral("run")).contains(QStringLiteral("--fail-on")),
             qPrintable(sorted(m_options.value(QStringLiteral("run")))));
    const QString page = readFile(QStringLiteral(COROSCOPE_DOCS "/cli.md"));
    QVERIFY2(!page.isEmpty(), COROSCOPE_DOCS "/cli.md");
    m_sections = sections(page);
}

void TestHelpDocs::commandHasASection() {
    QStringList missing;
    for (const QString& command : m_options.keys()) {
        const QString heading = command == kTopLevel ? kTopLevel : kTopLevel + u' ' + command;
        if (!m_sections.contains(heading))
            missing << QStringLiteral("## `%1`").arg(heading);
    }
    QVERIFY2(missing.isEmpty(), qPrintable(QStringLiteral("docs/cli.md lacks the sections ") +
                                           missing.join(QStringLiteral(", "))));
}

// A section for a command `coroscope --help` does not list documents nothing that exists.
void TestHelpDocs::sectionIsACommand() {
    for (const QString& heading : m_sections.keys()) {
        if (!heading.startsWith(kTopLevel))
            continue;
        const QString command = heading == kTopLevel ? kTopLevel : heading.mid(kTopLevel.size() + 1);
        QVERIFY2(m_options.contains(command),
                 qPrintable(QStringLiteral("docs/cli.md documents `%1`, which coroscope --help does not list")
                                .arg(heading)));
    }
}

void TestHelpDocs::helpOptionsAreDocumented_data() {
    QTest::addColumn<QString>("command");
    for (const QString& command : m_options.keys())
        QTest::newRow(qPrintable(command)) << command;
}

// Exactly the same long options in the --help and in the section's option table.
void TestHelpDocs::helpOptionsAreDocumented() {
    QFETCH(QString, command);
    const QString heading = command == kTopLevel ? kTopLevel : kTopLevel + u' ' + command;
    const QSet<QString> help = m_options.value(command);
    const QSet<QString> documented = tableOptions(m_sections.value(heading));
    const QSet<QString> undocumented = help - documented;
    const QSet<QString> gone = documented - help;
    QVERIFY2(undocumented.isEmpty(),
             qPrintable(QStringLiteral("`%1 --help` has options the table in docs/cli.md lacks: %2")
                            .arg(heading, sorted(undocumented))));
    QVERIFY2(gone.isEmpty(), qPrintable(QStringLiteral("docs/cli.md documents options `%1` does not have: %2")
                                            .arg(heading, sorted(gone))));
}

// The short entries of `coroscope --help` name options of their own command.
void TestHelpDocs::topLevelEntriesNameRealOptions() {
    for (auto it = m_commands.cbegin(); it != m_commands.cend(); ++it) {
        const QSet<QString> unknown = longOptionsIn(it.value()) - m_options.value(it.key());
        QVERIFY2(unknown.isEmpty(), qPrintable(QStringLiteral("coroscope --help names options `%1` lacks: %2")
                                                   .arg(it.key(), sorted(unknown))));
    }
}

// Anywhere on the pages that explain the command line (prose, examples, other commands'
// sections), an option named must be an option of some command.
void TestHelpDocs::documentedOptionsExist() {
    QSet<QString> all;
    for (const QSet<QString>& options : std::as_const(m_options))
        all += options;
    for (const char* page : {"/cli.md", "/user-guide.md", "/../README.md"}) {
        const QString path = QStringLiteral(COROSCOPE_DOCS) + QLatin1String(page);
        const QString text = readFile(path);
        QVERIFY2(!text.isEmpty(), qPrintable(path));
        const QSet<QString> unknown = longOptionsIn(text) - all;
        QVERIFY2(
            unknown.isEmpty(),
            qPrintable(QStringLiteral("%1 names options no command has: %2").arg(path, sorted(unknown))));
    }
}

// docs/scripting.md repeats `coroscope run`'s options for script authors (and the app's
// Help > Scripting Reference): its table must not drift either.
void TestHelpDocs::scriptingRunOptions() {
    const QString page = readFile(QStringLiteral(COROSCOPE_DOCS "/scripting.md"));
    const QString section = sections(page).value(QStringLiteral("coroscope run"));
    QVERIFY2(!section.isEmpty(), "docs/scripting.md has no ## `coroscope run` section");
    const QSet<QString> documented = tableOptions(section, QStringLiteral("Options"));
    const QSet<QString> help = m_options.value(QStringLiteral("run"));
    QVERIFY2(documented == help, qPrintable(QStringLiteral("docs/scripting.md: %1\ncoroscope run --help: %2")
                                                .arg(sorted(documented), sorted(help))));
}

void TestHelpDocs::unknownOptionIsBadInput_data() {
    QTest::addColumn<QString>("command");
    for (const QString& command : m_commands.keys())
        QTest::newRow(qPrintable(command)) << command;
}

// Every command refuses what it does not take (exit 2), rather than ignoring it.
void TestHelpDocs::unknownOptionIsBadInput() {
    QFETCH(QString, command);
    const Process p = coroscope({command, QStringLiteral("--no-such-option")});
    QCOMPARE(p.exitCode, 2);
    QVERIFY2(p.err.contains(QLatin1String("no-such-option")), qPrintable(p.err));
}

QTEST_GUILESS_MAIN(TestHelpDocs)
#include "test_helpdocs.moc"
