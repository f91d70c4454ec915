// docs/scripting.md kept true: every ```js example runs under the real `coroscope run` and prints
// what it says it prints, and every name of the script API is documented there.
#include "script/prelude.h"

#include <QFile>
#include <QHash>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <optional>

namespace {

/// One ```js block of the page, with the directives its comment lines carry.
struct Example {
    QString heading; ///< the nearest heading above it, without '#' and backticks
    int line = 0;    ///< line of the opening fence, 1-based
    QString source;
    QStringList expect;    ///< `// expect: TEXT`: on stdout, in this order
    QStringList stderrHas; ///< `// stderr: TEXT`: on stderr
    QStringList args;      ///< `// args: ...`: extra options for coroscope run
    int exitCode = 0;      ///< `// exit: N`
    QString problem;       ///< why the block is not a valid example (empty: it is)
};

struct ApiName {
    const char* name;
    /// Made by the C++ host (scriptruntime.cpp), not defined in the prelude's source.
    bool fromHost = false;
};

// The script API as documented: every global of the prelude and every public member of its
// objects, plus what the host makes. apiListMatchesThePrelude() keeps this list honest.
const ApiName kApiNames[] = {
    {"sleep"},
    {"spawn"},
    {"Task"},
    {"cancel"},
    {"id"},
    {"name"},
    {"done"},
    {"state"},
    {"gather"},
    {"gatherSettled"},
    {"race"},
    {"timeout"},
    {"blockFor"},
    {"burn"},
    {"offload"},
    {"Queue"},
    {"put"},
    {"get"},
    {"join"},
    {"putNowait"},
    {"getNowait"},
    {"taskDone"},
    {"size"},
    {"maxsize"},
    {"QueueEmpty"},
    {"QueueFull"},
    {"Semaphore"},
    {"acquire"},
    {"release"},
    {"value"},
    {"Lock"},
    {"locked"},
    {"Event"},
    {"set"},
    {"clear"},
    {"wait"},
    {"isSet"},
    {"http"},
    {"http.get"},
    {"alloc"},
    {"Buffer"},
    {"free"},
    {"measure"},
    {"record"},
    {"log"},
    {"console"},
    {"console.log"},
    {"console.info"},
    {"console.warn"},
    {"console.error"},
    {"console.debug"},
    {"random"},
    {"randint"},
    {"now"},
    {"params", true},
    {"CancelledError", true},
    {"TimeoutError", true},
    {"HttpError", true},
};

constexpr int kTimeoutMs = 30'000;
constexpr int kMinExamples = 30; // guards against a parser that silently finds nothing

QString directive(const QString& trimmedLine, QLatin1String key) {
    return trimmedLine.mid(key.size()).trimmed();
}

Example parseDirectives(Example example) {
    const QStringList lines = example.source.split(u'\n');
    for (const QString& raw : lines) {
        const QString line = raw.trimmed();
        if (line.startsWith(QLatin1String("// expect:"))) {
            example.expect << directive(line, QLatin1String("// expect:"));
        } else if (line.startsWith(QLatin1String("// stderr:"))) {
            example.stderrHas << directive(line, QLatin1String("// stderr:"));
        } else if (line.startsWith(QLatin1String("// args:"))) {
            example.args << directive(line, QLatin1String("// args:")).split(u' ', Qt::SkipEmptyParts);
        } else if (line.startsWith(QLatin1String("// exit:"))) {
            bool ok = false;
            example.exitCode = directive(line, QLatin1String("// exit:")).toInt(&ok);
            if (!ok)
                example.problem = QStringLiteral("`// exit:` is not a number");
        }
    }
    QStringList nonEmpty = lines;
    nonEmpty.removeIf([](const QString& l) { return l.trimmed().isEmpty(); });
    if (!example.source.contains(QLatin1String("function* main(")))
        example.problem = QStringLiteral("not a complete script: it defines no `function* main()`");
    else if (nonEmpty.isEmpty() || !nonEmpty.back().trimmed().startsWith(QLatin1String("// expect:")))
        example.problem = QStringLiteral("does not end with a `// expect: TEXT` line");
    else if (std::any_of(example.expect.cbegin(), example.expect.cend(),
                         [](const QString& e) { return e.isEmpty(); }))
        example.problem = QStringLiteral("an empty `// expect:` checks nothing");
    return example;
}

/// Every block fenced with exactly ```js, named after the nearest heading above it.
QList<Example> parseExamples(const QString& doc, QString* error) {
    QList<Example> examples;
    QString heading = QStringLiteral("(top)");
    std::optional<Example> open;
    QStringList body;
    const QStringList lines = doc.split(u'\n');
    for (int i = 0; i < lines.size(); ++i) {
        const QString& line = lines[i];
        if (open) {
            if (line.trimmed() == QLatin1String("```")) {
                open->source = body.join(u'\n') + u'\n';
                examples << parseDirectives(*open);
                open.reset();
            } else {
                body << line;
            }
            continue;
        }
        if (line.startsWith(u'#')) {
            heading = line;
            while (heading.startsWith(u'#'))
                heading.remove(0, 1);
            heading = heading.remove(u'`').trimmed();
        } else if (line.trimmed() == QLatin1String("```js")) {
            open = Example{};
            open->heading = heading;
            open->line = i + 1;
            body.clear();
        }
    }
    if (open)
        *error = QStringLiteral("the ```js block at line %1 is never closed").arg(open->line);
    return examples;
}

/// Public names the prelude defines: top-level functions, classes and vars, their public
/// methods, getters and fields, and the members of its object literals (`http.get`).
QSet<QString> preludeNames(const QString& prelude) {
    QSet<QString> names;
    static const QRegularExpression topLevel(
        QStringLiteral(R"(^(?:function\*?|class|var)\s+([A-Za-z$][\w$]*))"),
        QRegularExpression::MultilineOption);
    static const QRegularExpression objectLiteral(QStringLiteral(R"(^var\s+(\w+)\s*=\s*\{(.*)\};)"),
                                                  QRegularExpression::MultilineOption);
    static const QRegularExpression key(QStringLiteral(R"((?:^|[{,])\s*([A-Za-z$][\w$]*)\s*:)"));
    static const QRegularExpression member(
        QStringLiteral(R"(^\s+(?:get\s+|set\s+|static\s+)?([A-Za-z$][\w$]*)\s*\()"));
    static const QRegularExpression field(QStringLiteral(R"(\bthis\.([A-Za-z$][\w$]*)\s*=[^=])"));
    for (auto it = topLevel.globalMatch(prelude); it.hasNext();)
        names << it.next().captured(1);
    static const QRegularExpression nested(QStringLiteral(R"(\{[^{}]*\})"));
    for (auto it = objectLiteral.globalMatch(prelude); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        QString body = m.captured(2);
        while (body.contains(nested)) // only the literal's own keys: drop nested objects and bodies
            body.remove(nested);
        for (auto k = key.globalMatch(body); k.hasNext();)
            names << m.captured(1) + u'.' + k.next().captured(1);
    }
    bool inClass = false;
    const QStringList lines = prelude.split(u'\n');
    for (const QString& line : lines) {
        if (line.startsWith(QLatin1String("class "))) {
            // A one-line class (QueueEmpty) has its body on this line: only its constructor.
            inClass = !line.trimmed().endsWith(u'}');
            continue;
        }
        if (!inClass)
            continue;
        if (line.startsWith(u'}')) {
            inClass = false;
            continue;
        }
        if (const QRegularExpressionMatch m = member.match(line); m.hasMatch())
            names << m.captured(1);
        for (auto it = field.globalMatch(line); it.hasNext();)
            names << it.next().captured(1);
    }
    static const QSet<QString> notApi = {
        QStringLiteral("constructor"), QStringLiteral("toString"), QStringLiteral("if"),
        QStringLiteral("while"),       QStringLiteral("for"),      QStringLiteral("switch"),
        QStringLiteral("catch"),       QStringLiteral("return"),   QStringLiteral("typeof")};
    names.removeIf([](const QString& n) { return n.startsWith(u'_') || notApi.contains(n); });
    return names;
}

QString wordPattern(const QString& name) {
    return QStringLiteral("(?<![\\w$])") + QRegularExpression::escape(name) + QStringLiteral("(?![\\w$])");
}

QString tail(const QString& text, int chars = 3000) {
    return text.size() <= chars ? text : QStringLiteral("...") + text.right(chars);
}

} // namespace

class TestScriptingDoc : public QObject {
    Q_OBJECT
private:
    QString m_doc;
    QList<Example> m_examples;
    QString m_parseError;
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase();
    void docHasExamples();
    void exampleRunsAsDocumented_data();
    void exampleRunsAsDocumented();
    void apiNameIsDocumented_data();
    void apiNameIsDocumented();
    void apiListMatchesThePrelude();
};

void TestScriptingDoc::initTestCase() {
    QFile file(QStringLiteral(COROSCOPE_DOC));
    QVERIFY2(file.open(QIODevice::ReadOnly),
             qPrintable(file.fileName() + QStringLiteral(": ") + file.errorString()));
    m_doc = QString::fromUtf8(file.readAll());
    m_examples = parseExamples(m_doc, &m_parseError);
    QVERIFY(m_dir.isValid());
}

void TestScriptingDoc::docHasExamples() {
    QVERIFY2(m_parseError.isEmpty(), qPrintable(m_parseError));
    QVERIFY2(m_examples.size() >= kMinExamples, qPrintable(QString::number(m_examples.size())));
}

void TestScriptingDoc::exampleRunsAsDocumented_data() {
    QTest::addColumn<int>("index");
    QHash<QString, int> seen;
    for (int i = 0; i < m_examples.size(); ++i) {
        const QString& heading = m_examples[i].heading;
        const int n = ++seen[heading];
        const QString tag = n == 1 ? heading : heading + QStringLiteral(" (%1)").arg(n);
        QTest::addRow("%s", tag.toUtf8().constData()) << i;
    }
}

void TestScriptingDoc::exampleRunsAsDocumented() {
    QFETCH(int, index);
    const Example& example = m_examples[index];
    const QString where = QStringLiteral("docs/scripting.md:%1").arg(example.line);
    QVERIFY2(example.problem.isEmpty(), qPrintable(where + QStringLiteral(": ") + example.problem));

    const QString path = m_dir.filePath(QStringLiteral("example-%1.js").arg(index, 2, 10, QChar(u'0')));
    QFile script(path);
    QVERIFY(script.open(QIODevice::WriteOnly | QIODevice::Truncate));
    script.write(example.source.toUtf8());
    script.close();

    QProcess process;
    process.start(QStringLiteral(COROSCOPE_BINARY), QStringList{QStringLiteral("run"), path} + example.args);
    QVERIFY2(process.waitForStarted(), qPrintable(process.errorString()));
    if (!process.waitForFinished(kTimeoutMs)) {
        process.kill();
        process.waitForFinished();
        QFAIL(qPrintable(where + QStringLiteral(": did not finish within 30 s\nstdout:\n") +
                         tail(QString::fromUtf8(process.readAllStandardOutput()))));
    }
    const QString out = QString::fromUtf8(process.readAllStandardOutput());
    const QString err = QString::fromUtf8(process.readAllStandardError());
    const QString output =
        QStringLiteral("\n--- stdout:\n") + tail(out) + QStringLiteral("\n--- stderr:\n") + tail(err);

    QVERIFY2(process.exitStatus() == QProcess::NormalExit,
             qPrintable(where + QStringLiteral(": crashed") + output));
    QVERIFY2(process.exitCode() == example.exitCode,
             qPrintable(
                 where +
                 QStringLiteral(": exit code %1, expected %2").arg(process.exitCode()).arg(example.exitCode) +
                 output));
    qsizetype from = 0;
    for (const QString& expected : example.expect) {
        const qsizetype at = out.indexOf(expected, from);
        QVERIFY2(at >= 0,
                 qPrintable(where + QStringLiteral(": stdout lacks, in order: ") + expected + output));
        from = at + expected.size();
    }
    for (const QString& expected : example.stderrHas)
        QVERIFY2(err.contains(expected),
                 qPrintable(where + QStringLiteral(": stderr lacks: ") + expected + output));
}

void TestScriptingDoc::apiNameIsDocumented_data() {
    QTest::addColumn<QString>("name");
    for (const ApiName& api : kApiNames)
        QTest::newRow(api.name) << QString::fromLatin1(api.name);
}

// Documented: named in a heading or in inline code, not only used inside an example.
void TestScriptingDoc::apiNameIsDocumented() {
    QFETCH(QString, name);
    const QRegularExpression word(wordPattern(name));
    static const QRegularExpression inlineCode(QStringLiteral("`([^`\\n]+)`"));
    const QStringList lines = m_doc.split(u'\n');
    bool inFence = false;
    for (const QString& line : lines) {
        if (line.trimmed().startsWith(QLatin1String("```")) && !line.contains(QLatin1String("````"))) {
            inFence = !inFence;
            continue;
        }
        if (inFence)
            continue;
        if (line.startsWith(u'#') && word.match(line).hasMatch())
            return;
        for (auto it = inlineCode.globalMatch(line); it.hasNext();)
            if (word.match(it.next().captured(1)).hasMatch())
                return;
    }
    QFAIL(qPrintable(
        QStringLiteral("docs/scripting.md never names `%1` in a heading or inline code").arg(name)));
}

// A name added to the prelude must be added to kApiNames (and so documented); a name in
// kApiNames must still exist.
void TestScriptingDoc::apiListMatchesThePrelude() {
    const QString& prelude = coroscope::script::preludeSource();
    // Every await op token of the prelude's text has its number (script/awaitop_p.h).
    QVERIFY2(!prelude.contains(QLatin1String("@OP_")),
             qPrintable(prelude.section(QLatin1String("@OP_"), 1).left(40)));
    const QSet<QString> defined = preludeNames(prelude);
    QVERIFY2(defined.size() > 20, qPrintable(QStringList(defined.cbegin(), defined.cend()).join(u' ')));
    QSet<QString> listed;
    for (const ApiName& api : kApiNames) {
        const QString name = QString::fromLatin1(api.name);
        listed << name;
        if (!api.fromHost)
            QVERIFY2(
                defined.contains(name),
                qPrintable(QStringLiteral("`%1` is listed but the prelude no longer defines it").arg(name)));
    }
    QStringList unlisted;
    for (const QString& name : defined)
        if (!listed.contains(name))
            unlisted << name;
    unlisted.sort();
    QVERIFY2(unlisted.isEmpty(),
             qPrintable(QStringLiteral("the prelude defines names kApiNames (and docs/scripting.md) lack: ") +
                        unlisted.join(QStringLiteral(", "))));
}

QTEST_GUILESS_MAIN(TestScriptingDoc)
#include "test_scriptingdoc.moc"
