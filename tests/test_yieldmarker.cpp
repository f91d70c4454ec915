// The yield marker rewrites source text: it must touch every yield and nothing else.
#include "script/yieldmarker.h"

#include <QJSEngine>
#include <QTest>

using coroscope::script::markYields;

class TestYieldMarker : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void marksYieldsWithTheirLines();
    void leavesStringsCommentsTemplatesAndRegexesAlone();
    void handlesYieldWithoutOperandAndDelegation();
    void markedScriptStillParsesAndBehaves();
};

void TestYieldMarker::marksYieldsWithTheirLines() {
    const auto marked =
        markYields(QStringLiteral("function* f() {\n  yield a;\n  const x = yield b(1),\n    y = 2;\n}"));
    QCOMPARE(marked.source,
             QStringLiteral(
                 "function* f() {\n  yield __L.at2 = a;\n  const x = yield __L.at3 = b(1),\n    y = 2;\n}"));
    QCOMPARE(marked.yieldLines, (std::vector<int>{2, 3}));
}

void TestYieldMarker::leavesStringsCommentsTemplatesAndRegexesAlone() {
    const QString source = QStringLiteral("// yield in a comment\n"
                                          "/* yield\n yield */\n"
                                          "const s = 'yield' + \"yield \\\" yield\";\n"
                                          "const t = `yield ${ 'yield' } yield`;\n"
                                          "const r = /yield\\/[/]yield/g;\n"
                                          "const o = { yield: 1 }, p = o.yield;\n");
    const auto marked = markYields(source);
    QCOMPARE(marked.source, source);
    QVERIFY(marked.yieldLines.empty());
}

void TestYieldMarker::handlesYieldWithoutOperandAndDelegation() {
    const auto marked = markYields(QStringLiteral("yield;\nyield\nyield* g();\nf(yield)"));
    QCOMPARE(marked.source,
             QStringLiteral("yield __L.at1 = undefined;\nyield __L.at2 = undefined\nyield* g();\n"
                            "f(yield __L.at4 = undefined)"));
}

// What matters in the end: the engine accepts the rewritten script and yields the same values.
void TestYieldMarker::markedScriptStillParsesAndBehaves() {
    const QString source = QStringLiteral("function* g() {\n"
                                          "  const a = yield 1 + 1;\n"
                                          "  yield a ? 'x' : 'y';\n"
                                          "  yield;\n"
                                          "  yield* [7, 8];\n"
                                          "  return `done ${ yield 'in template' }`;\n"
                                          "}\n");
    QJSEngine engine;
    engine.evaluate(
        QStringLiteral("var __L = {}; [2,3,4,6].forEach(function (n) { Object.defineProperty(__L, 'at' + n, "
                       "{ set: function (v) {} }); });"));
    const QJSValue result =
        engine.evaluate(markYields(source).source +
                        QStringLiteral("var it = g(), out = [], s = it.next();\n"
                                       "while (!s.done) { out.push(String(s.value)); s = it.next(true); }\n"
                                       "out.push(s.value); out.join(',');"));
    QVERIFY2(!result.isError(), qPrintable(result.toString()));
    QCOMPARE(result.toString(), QStringLiteral("2,x,undefined,7,8,in template,done true"));
}

QTEST_GUILESS_MAIN(TestYieldMarker)
#include "test_yieldmarker.moc"
