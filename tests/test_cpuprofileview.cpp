// The window's CPU profile view (issue 15, "Where the time goes") without a run: a profile made
// by hand with known costs, through the trees, the top-down and bottom-up models, the flame
// graph's layout, zoom, threshold and search, the page's filters and sources; slow callbacks'
// stacks as Symbolizer writes them turned into a profile; and the window's tab for a session
// without a profile.
#include "charts/flamegraph.h"
#include "mainwindow/mainwindow.h"
#include "models/cpucalltree.h"
#include "models/cputreemodel.h"
#include "models/spawnsitemodel.h"
#include "panels/cpuprofilepage.h"
#include "panels/cputreeexpansion.h"
#include "panels/sitespage.h"
#include "panels/tasktimeline.h"
#include "report/blockedstackprofile.h"
#include "report/cpuprofileanalysis.h"
#include "report/cputimerange.h"
#include "syntheticsession.h"
#include "testsupport.h"
#include "watchdog/symbolizer.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace coroscope;
using namespace coroscope::ui;
using namespace std::chrono_literals;

namespace {

// Task alpha (#1): main → parse (own samples in two event types) → lex; task beta (#2): main →
// render. What every check below derives its expectations from.
constexpr std::uint64_t kAlpha = 1, kBeta = 2;
constexpr std::uint64_t kParseTimer = 60, kLex = 30, kParseOutside = 20, kRender = 10;
constexpr std::uint64_t kAlphaTotal = kParseTimer + kLex + kParseOutside;
constexpr std::uint64_t kTotal = kAlphaTotal + kRender;
enum Frame : std::uint32_t { Main = 1, Parse, Lex, Render };
constexpr std::int64_t kSamplesStartNs = 5'000'000'000;
constexpr std::int64_t kMs = 1'000'000;

std::shared_ptr<const CpuProfile> handProfile() {
    auto p = std::make_shared<CpuProfile>();
    p->intervalNs = 1'000'000;
    p->frames = {{},
                 {Main, QStringLiteral("main"), QStringLiteral("app"), QStringLiteral("main.cpp"), 10},
                 {Parse, QStringLiteral("parse(Doc const&)"), QStringLiteral("libparse.so"),
                  QStringLiteral("parse.cpp"), 42},
                 {Lex, QStringLiteral("lex"), QStringLiteral("libparse.so"), {}, 0},
                 {Render, QStringLiteral("render"), QStringLiteral("libgfx.so"), {}, 0}};
    const QString timer = QStringLiteral("Timer"), outside;
    // id, parent, frame, task, event type (children carry their root's, as the reader does), self
    p->nodes = {{},
                {1, 0, 0, kAlpha, timer, 0},
                {2, 1, Main, kAlpha, timer, 0},
                {3, 2, Parse, kAlpha, timer, kParseTimer},
                {4, 3, Lex, kAlpha, timer, kLex},
                {5, 0, 0, kBeta, timer, 0},
                {6, 5, Main, kBeta, timer, 0},
                {7, 6, Render, kBeta, timer, kRender},
                {8, 0, 0, kAlpha, outside, 0},
                {9, 8, Main, kAlpha, outside, 0},
                {10, 9, Parse, kAlpha, outside, kParseOutside}};
    p->taskNames = {{kAlpha, QStringLiteral("alpha")}, {kBeta, QStringLiteral("beta")}};
    // In time, one sample a millisecond: alpha's in its first 110 ms (parse in timers, lex, parse
    // outside any dispatch), then nothing for 90 ms, then beta's render in 10 ms.
    std::int64_t t = kSamplesStartNs;
    for (const auto& [node, count] : {std::pair{3u, kParseTimer}, {4u, kLex}, {10u, kParseOutside}})
        for (std::uint64_t i = 0; i < count; ++i)
            p->samples.push_back({t += 1'000'000, node, 1});
    t += 90'000'000;
    for (std::uint64_t i = 0; i < kRender; ++i)
        p->samples.push_back({t += 1'000'000, 7, 1});
    p->counters.samples = kTotal;
    p->counters.stacks = kTotal - 7;
    p->counters.droppedStacks = 3;
    return p;
}

/// The child of `node` named `name`, or -1.
int childNamed(const CpuCallTree& tree, int node, const QString& name) {
    for (const int child : tree.children(node))
        if (tree.name(child) == name)
            return child;
    return -1;
}

int pathTo(const CpuCallTree& tree, const QStringList& names) {
    int at = 0;
    for (const QString& name : names)
        if ((at = childNamed(tree, at, name)) < 0)
            return -1;
    return at;
}

/// The top-level row of a model named `name`, or an invalid index.
QModelIndex rowNamed(const QAbstractItemModel& model, const QString& name, const QModelIndex& parent = {}) {
    for (int row = 0; row < model.rowCount(parent); ++row)
        if (model.index(row, 0, parent).data().toString() == name)
            return model.index(row, 0, parent);
    return {};
}

QString percent(std::uint64_t part, std::uint64_t whole) {
    return QStringLiteral("%1 %").arg(double(part) * 100.0 / double(whole), 0, 'f', 1);
}

StackFrame frame(const char* function, const char* file, int line, const char* module) {
    StackFrame f;
    f.function = QString::fromLatin1(function);
    f.file = QString::fromLatin1(file);
    f.line = line;
    f.module = QString::fromLatin1(module);
    return f;
}

SlowCallback block(std::uint64_t seq, std::int64_t durationNs, std::uint64_t task, const char* taskName,
                   const QString& stack) {
    SlowCallback c;
    c.dispatchSeq = seq;
    c.durationNs = durationNs;
    c.taskId = task;
    c.taskName = QString::fromLatin1(taskName);
    c.eventType = QStringLiteral("Timer");
    c.stack = stack;
    return c;
}

// A stack as the watchdog captured one for a script's blockFor() (from a real run, trimmed).
const char* const kCapturedStack =
    "#0 __GI___clock_nanosleep (clock_nanosleep.c:48)\n"
    "#1 __GI___nanosleep (nanosleep.c:25)\n"
    "#2 void std::this_thread::sleep_for<long, std::ratio<1l, 1000000000l> >(std::chrono::duration<long, "
    "std::ratio<1l, 1000000000l> > const&) (this_thread_sleep.h:80) [inlined into "
    "coroscope::script::ScriptRuntime::blockFor(double, QString const&) at scriptruntime.cpp:367]\n"
    "#3 coroscope::script::ScriptRuntime::qt_metacall(QMetaObject::Call, int, void**) "
    "(moc_scriptruntime.cpp:345)\n"
    "#4 0x7f5a5b4d34f3 (libQt6Qml.so.6)\n"
    "#5 QV4::QObjectMethod::callInternal(QV4::Value const*, QV4::Value const*, int) const (libQt6Qml.so.6)\n"
    "#6 drive (scriptdriver.cpp:103)\n"
    "#7 QTimer::timeout(QTimer::QPrivateSignal) (libQt6Core.so.6)\n"
    "#8 QCoreApplication::notify(QObj"; // cut short where the session stores stacks up to a length

/// A session holding the hand-made profile and three slow callbacks.
std::shared_ptr<session::SessionData> handSession() {
    auto data = std::make_shared<session::SessionData>();
    data->cpuProfile = *handProfile();
    data->finished = true;
    data->snapshot.slowCallbacks = {
        block(11, 300'000'000, 7, "parser", QString::fromLatin1(kCapturedStack)),
        block(12, 120'400'000, 7, "parser",
              Symbolizer::format({frame("QThread::msleep(unsigned long)", "", 0, "libQt6Core.so.6"),
                                  frame("drive", "/src/script/scriptdriver.cpp", 103, "coroscope")})),
        block(13, 200'000, 0, "", QString())};
    return data;
}

} // namespace

class TestCpuProfileView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void topDownMergesEventTypesAndGivesShares();
    void bottomUpListsFunctionsWithTheirCallers();
    void filtersChangeTheTotals();
    void flameGraphBoxesFollowTheCost();
    void flameGraphZoomsAndSearches();
    void symbolizedStacksParseBack();
    void blockedStacksBecomeAWeightedProfile();
    void pageFollowsFiltersAndSources();
    void liveRunRebuildsAtMostOnceASecondKeepingZoom();
    void aSessionWithoutProfileSaysWhy();
    void windowHasTheTabAndItsSentence();
    void timeRangeCountsItsSamplesOnly();
    void pageShowsTheTimeRangeChosen();
    void timelineRangeReachesThePage();
};

void TestCpuProfileView::topDownMergesEventTypesAndGivesShares() {
    const auto tree = std::make_shared<const CpuCallTree>(CpuCallTree::topDown(handProfile(), {}));
    QCOMPARE(tree->total(), kTotal);
    // The root is "all tasks", the tasks the first level, the two event types of alpha one tree.
    QCOMPARE(tree->node(0).kind, CpuCallTree::Kind::Root);
    const int parse =
        pathTo(*tree, {QStringLiteral("alpha"), QStringLiteral("main"), QStringLiteral("parse(Doc const&)")});
    QVERIFY(parse > 0);
    QCOMPARE(tree->node(parse).self, kParseTimer + kParseOutside);
    QCOMPARE(tree->node(parse).total, kAlphaTotal);
    QCOMPARE(tree->location(parse), QStringLiteral("parse.cpp:42"));

    CpuTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTree(tree, QStringLiteral("samples"));
    QCOMPARE(model.rowCount(), 2); // alpha, beta
    const QModelIndex alpha = rowNamed(model, QStringLiteral("alpha"));
    QVERIFY(alpha.isValid());
    QCOMPARE(alpha.siblingAtColumn(CpuTreeModel::Inclusive).data(CpuTreeModel::CostRole).toULongLong(),
             kAlphaTotal);
    QCOMPARE(alpha.siblingAtColumn(CpuTreeModel::InclusivePercent).data().toString(),
             percent(kAlphaTotal, kTotal));
    const QModelIndex main = rowNamed(model, QStringLiteral("main"), alpha);
    const QModelIndex parseRow = rowNamed(model, QStringLiteral("parse(Doc const&)"), main);
    QVERIFY(parseRow.isValid());
    QCOMPARE(parseRow.siblingAtColumn(CpuTreeModel::Self).data(CpuTreeModel::CostRole).toULongLong(),
             kParseTimer + kParseOutside);
    QCOMPARE(parseRow.siblingAtColumn(CpuTreeModel::SelfPercent).data().toString(),
             percent(kParseTimer + kParseOutside, kTotal));
    QCOMPARE(parseRow.siblingAtColumn(CpuTreeModel::Module).data().toString(), QStringLiteral("libparse.so"));
    const QModelIndex lex = rowNamed(model, QStringLiteral("lex"), parseRow);
    QCOMPARE(lex.siblingAtColumn(CpuTreeModel::InclusivePercent).data(CpuTreeModel::FractionRole).toDouble(),
             double(kLex) / double(kTotal));
    QCOMPARE(model.parent(lex), parseRow);
    QVERIFY(
        model.headerData(CpuTreeModel::Self, Qt::Horizontal).toString().contains(QStringLiteral("samples")));
}

void TestCpuProfileView::bottomUpListsFunctionsWithTheirCallers() {
    const auto tree = std::make_shared<const CpuCallTree>(CpuCallTree::bottomUp(handProfile(), {}));
    // Callers are found when asked for: at first the root and the four functions.
    QCOMPARE(tree->size(), 5);
    CpuTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTree(tree, QStringLiteral("samples"));
    QSortFilterProxyModel sorted;
    sorted.setSourceModel(&model);
    sorted.setSortRole(CpuTreeModel::SortRole);
    sorted.sort(CpuTreeModel::Self, Qt::DescendingOrder);
    // Every function at the top, by self cost: parse, lex, render, and main (no samples of its own
    // but all of them in total).
    const QStringList expected{QStringLiteral("parse(Doc const&)"), QStringLiteral("lex"),
                               QStringLiteral("render"), QStringLiteral("main")};
    QCOMPARE(sorted.rowCount(), expected.size());
    for (int row = 0; row < sorted.rowCount(); ++row)
        QCOMPARE(sorted.index(row, 0).data().toString(), expected[row]);
    const QModelIndex main = rowNamed(sorted, QStringLiteral("main"));
    QCOMPARE(main.siblingAtColumn(CpuTreeModel::Self).data(CpuTreeModel::CostRole).toULongLong(), 0U);
    QCOMPARE(main.siblingAtColumn(CpuTreeModel::Inclusive).data(CpuTreeModel::CostRole).toULongLong(),
             kTotal);
    // lex's samples came through parse, main and task alpha: its callers, inverted.
    QModelIndex at = rowNamed(sorted, QStringLiteral("lex"));
    for (const char* caller : {"parse(Doc const&)", "main", "alpha"}) {
        QCOMPARE(sorted.rowCount(at), 1);
        at = sorted.index(0, 0, at);
        QCOMPARE(at.data().toString(), QString::fromLatin1(caller));
        QCOMPARE(at.siblingAtColumn(CpuTreeModel::Self).data(CpuTreeModel::CostRole).toULongLong(), kLex);
    }
    QCOMPARE(sorted.rowCount(at), 0);
    // parse's own samples, of both event types, reach main once.
    const QModelIndex parseCaller = sorted.index(0, 0, rowNamed(sorted, QStringLiteral("parse(Doc const&)")));
    QCOMPARE(parseCaller.data().toString(), QStringLiteral("main"));
    QCOMPARE(parseCaller.siblingAtColumn(CpuTreeModel::Self).data(CpuTreeModel::CostRole).toULongLong(),
             kParseTimer + kParseOutside);
}

void TestCpuProfileView::filtersChangeTheTotals() {
    CpuProfileFilter beta;
    beta.taskId = kBeta;
    const CpuCallTree betaTree = CpuCallTree::topDown(handProfile(), beta);
    QCOMPARE(betaTree.total(), kRender);
    QCOMPARE(betaTree.name(0), QStringLiteral("beta")); // the task is the root
    QVERIFY(pathTo(betaTree, {QStringLiteral("main"), QStringLiteral("render")}) > 0);
    QCOMPARE(childNamed(betaTree, 0, QStringLiteral("alpha")), -1);

    CpuProfileFilter outside;
    outside.eventType = QString();
    const CpuCallTree outsideTree = CpuCallTree::topDown(handProfile(), outside);
    QCOMPARE(outsideTree.total(), kParseOutside);
    // Percentages are of what passes the filter.
    CpuTreeModel model;
    model.setTree(std::make_shared<const CpuCallTree>(CpuCallTree::bottomUp(handProfile(), outside)),
                  QStringLiteral("samples"));
    const QModelIndex parse = rowNamed(model, QStringLiteral("parse(Doc const&)"));
    QCOMPARE(parse.siblingAtColumn(CpuTreeModel::SelfPercent).data().toString(),
             percent(kParseOutside, kParseOutside));
    QVERIFY(!rowNamed(model, QStringLiteral("lex")).isValid());
}

void TestCpuProfileView::flameGraphBoxesFollowTheCost() {
    FlameGraph graph;
    const auto tree = std::make_shared<const CpuCallTree>(CpuCallTree::topDown(handProfile(), {}));
    graph.setTree(tree, QStringLiteral("samples"));
    constexpr int kWidth = 1200;
    const auto boxOf = [&](const std::vector<FlameGraph::Box>& boxes, int node) -> const FlameGraph::Box* {
        for (const FlameGraph::Box& b : boxes)
            if (b.node == node)
                return &b;
        return nullptr;
    };
    std::vector<FlameGraph::Box> boxes = graph.layout(kWidth);
    QCOMPARE(boxes.size(), std::size_t(tree->size())); // every box is wider than the threshold
    for (const FlameGraph::Box& b : boxes) {
        QCOMPARE(b.width, double(kWidth) * double(tree->node(b.node).total) / double(kTotal));
        QCOMPARE(b.depth, tree->node(b.node).depth); // icicle: the root at the top
        if (b.node > 0) {                            // inside its parent
            const FlameGraph::Box* parent = boxOf(boxes, tree->node(b.node).parent);
            QVERIFY(parent && b.x >= parent->x && b.x + b.width <= parent->x + parent->width + 1e-9);
        }
    }
    const int alpha = childNamed(*tree, 0, QStringLiteral("alpha"));
    const int beta = childNamed(*tree, 0, QStringLiteral("beta"));
    QCOMPARE(boxOf(boxes, beta)->x, boxOf(boxes, alpha)->width); // side by side, by name

    // 10 % hides beta's boxes (render is 8 %), and only those.
    graph.setThreshold(10);
    boxes = graph.layout(kWidth);
    QVERIFY(!boxOf(boxes, beta));
    QVERIFY(!boxOf(
        boxes, pathTo(*tree, {QStringLiteral("beta"), QStringLiteral("main"), QStringLiteral("render")})));
    QVERIFY(boxOf(boxes, pathTo(*tree, {QStringLiteral("alpha"), QStringLiteral("main"),
                                        QStringLiteral("parse(Doc const&)"), QStringLiteral("lex")})));
    for (const FlameGraph::Box& b : boxes)
        QVERIFY(tree->node(b.node).total * 10 >= kTotal);
}

void TestCpuProfileView::flameGraphZoomsAndSearches() {
    FlameGraph graph;
    const auto tree = std::make_shared<const CpuCallTree>(CpuCallTree::topDown(handProfile(), {}));
    graph.setTree(tree, QStringLiteral("samples"));
    graph.resize(1000, 300);
    graph.show();
    QVERIFY(QTest::qWaitForWindowExposed(&graph));
    const int parse =
        pathTo(*tree, {QStringLiteral("alpha"), QStringLiteral("main"), QStringLiteral("parse(Doc const&)")});
    const int lex = childNamed(*tree, parse, QStringLiteral("lex"));

    // A click on parse's box zooms into it: it fills the width, its callers above it.
    const FlameGraph::Box parseBox = [&] {
        for (const FlameGraph::Box& b : graph.layout(graph.width()))
            if (b.node == parse)
                return b;
        return FlameGraph::Box{};
    }();
    QCOMPARE(parseBox.node, parse);
    const QPoint centre(int(parseBox.x + parseBox.width / 2),
                        parseBox.depth * graph.rowHeight() + graph.rowHeight() / 2);
    QCOMPARE(graph.nodeAt(centre), parse);
    QTest::mouseClick(&graph, Qt::LeftButton, {}, centre);
    QCOMPARE(graph.zoomedNode(), parse);
    for (const FlameGraph::Box& b : graph.layout(1000)) {
        if (b.node == parse || tree->node(b.node).depth < tree->node(parse).depth)
            QCOMPARE(b.width, 1000.0);
        if (b.node == lex)
            QCOMPARE(b.width, 1000.0 * double(kLex) / double(kAlphaTotal));
        QVERIFY(childNamed(*tree, 0, QStringLiteral("beta")) != b.node); // outside the zoom
    }
    // The zoom follows the same path into the next tree of a live run.
    graph.setTree(std::make_shared<const CpuCallTree>(CpuCallTree::topDown(handProfile(), {})),
                  QStringLiteral("samples"));
    QCOMPARE(graph.tree()->path(graph.zoomedNode()), tree->path(parse));
    // A double click on the root shows everything again.
    QTest::mouseDClick(&graph, Qt::LeftButton, {}, QPoint(5, graph.rowHeight() / 2));
    QCOMPARE(graph.zoomedNode(), 0);
    QCOMPARE(graph.layout(1000).front().width, 1000.0);

    // Search: the share of the samples under a match, nested matches counted once.
    graph.setSearch(QStringLiteral("LEX"));
    QCOMPARE(graph.searchShare(), double(kLex) / double(kTotal));
    QVERIFY(graph.matches(lex) && !graph.matches(parse));
    graph.setSearch(QStringLiteral("e")); // parse, lex, render, beta, all tasks: everything once
    QCOMPARE(graph.searchShare(), 1.0);
    graph.setSearch(QStringLiteral("pars"));
    QCOMPARE(graph.searchShare(), double(kAlphaTotal) / double(kTotal));
    graph.setSearch(QString());
    QCOMPARE(graph.searchShare(), 0.0);
    const QString tip = graph.toolTipText(parse);
    QVERIFY2(tip.contains(QStringLiteral("libparse.so")) && tip.contains(QStringLiteral("parse.cpp:42")) &&
                 tip.contains(percent(kAlphaTotal, kTotal)) &&
                 tip.contains(percent(kParseTimer + kParseOutside, kTotal)),
             qPrintable(tip));
}

void TestCpuProfileView::symbolizedStacksParseBack() {
    // What Symbolizer::format() writes reads back as the frames it was made of.
    StackFrame inlined = frame("std::this_thread::sleep_for<long>(std::chrono::duration<long> const&)",
                               "/usr/include/c++/12/bits/this_thread_sleep.h", 80, "coroscope");
    inlined.inlinedInto = QStringLiteral("Runtime::blockFor(double, QString const&)");
    inlined.inlinedIntoFile = QStringLiteral("/src/scriptruntime.cpp");
    inlined.inlinedIntoLine = 367;
    StackFrame unnamed = frame("", "", 0, "libQt6Qml.so.6");
    unnamed.address = 0x7f5a5b4d34f3;
    const std::vector<StackFrame> frames{
        frame("__GI___clock_nanosleep", "clock_nanosleep.c", 48, "libc.so.6"), inlined, unnamed,
        frame("QTimer::timeout(QTimer::QPrivateSignal)", "", 0, "libQt6Core.so.6")};
    const std::vector<StackTextFrame> parsed = parseStackText(Symbolizer::format(frames));
    QCOMPARE(parsed.size(), frames.size());
    QCOMPARE(parsed[0].function, frames[0].function);
    QCOMPARE(parsed[0].file, QStringLiteral("clock_nanosleep.c"));
    QCOMPARE(parsed[0].line, 48);
    QCOMPARE(parsed[1].function, inlined.function);
    QCOMPARE(parsed[1].file, QStringLiteral("this_thread_sleep.h"));
    QCOMPARE(parsed[1].inlinedInto, inlined.inlinedInto);
    QCOMPARE(parsed[1].inlinedIntoFile, QStringLiteral("scriptruntime.cpp"));
    QCOMPARE(parsed[1].inlinedIntoLine, 367);
    QCOMPARE(parsed[2].function, QStringLiteral("0x7f5a5b4d34f3"));
    QCOMPARE(parsed[2].module, QStringLiteral("libQt6Qml.so.6"));
    QCOMPARE(parsed[3].function, frames[3].function);
    QCOMPARE(parsed[3].module, QStringLiteral("libQt6Core.so.6"));
    QVERIFY(parsed[3].file.isEmpty());
    // A captured stack cut short loses its last, partial line only.
    QCOMPARE(parseStackText(QString::fromLatin1(kCapturedStack)).size(), std::size_t(8));
}

void TestCpuProfileView::blockedStacksBecomeAWeightedProfile() {
    const auto data = handSession();
    const std::vector<SlowCallback>& calls = data->snapshot.slowCallbacks;
    const CpuProfile all = blockedStackProfile(calls);
    QVERIFY(all.recorded());
    // Weights are the blocks' milliseconds, at least one each: 300 + 120 + 1.
    const std::uint64_t expected = 300 + 120 + 1;
    QCOMPARE(all.counters.samples, expected);
    QCOMPARE(cpuSampleCount(all), expected);
    QCOMPARE(all.counters.stacks, 2U);
    const std::vector<CpuTaskCost> tasks = cpuSamplesByTask(all);
    QCOMPARE(tasks.size(), std::size_t(2));
    QCOMPARE(tasks[0].label, QStringLiteral("parser"));
    QCOMPARE(tasks[0].samples, 420U);
    // Root first, the inlined frame inside its caller, an unnamed frame as its module's.
    const auto folded = cpuFoldedStacks(all);
    const auto blockFor =
        std::find_if(folded.begin(), folded.end(), [](const auto& s) { return s.second == 300; });
    QVERIFY(blockFor != folded.end());
    const QStringList path = blockFor->first.split(u';');
    QCOMPARE(path.front(), QStringLiteral("parser"));
    QCOMPARE(path[1], QStringLiteral("QTimer::timeout(QTimer::QPrivateSignal)"));
    QCOMPARE(path.back(), QStringLiteral("__GI___clock_nanosleep"));
    QVERIFY(path.contains(QStringLiteral("?? [libQt6Qml.so.6]")));
    const qsizetype outer =
        path.indexOf(QStringLiteral("coroscope::script::ScriptRuntime::blockFor(double, QString const&)"));
    QVERIFY(outer > 0);
    QVERIFY(path[outer + 1].startsWith(QStringLiteral("void std::this_thread::sleep_for")));
    // Both parser stacks went through drive: one path, 420 in total.
    CpuProfileFilter parser;
    parser.taskId = 7;
    bool driveFound = false;
    for (const CpuFunctionCost& cost : cpuFunctionCosts(all, parser))
        if (all.frames[cost.frame].function == QStringLiteral("drive")) {
            driveFound = true;
            QCOMPARE(cost.total, 420U);
            QCOMPARE(all.frames[cost.frame].file, QStringLiteral("scriptdriver.cpp"));
        }
    QVERIFY(driveFound);
    // A frame named by its source line has no module in the text; the CPU profile's frame of the
    // same function lends it one (the Module column, the colour).
    const auto framesNamed = [](const CpuProfile& p, const QString& function) {
        std::vector<CpuFrame> found;
        std::copy_if(p.frames.begin(), p.frames.end(), std::back_inserter(found),
                     [&](const CpuFrame& f) { return f.function == function; });
        return found;
    };
    QCOMPARE(framesNamed(all, QStringLiteral("drive")).size(), std::size_t(1));
    QVERIFY(framesNamed(all, QStringLiteral("drive")).front().module.isEmpty());
    CpuProfile sampled;
    sampled.frames = {
        {},
        {1, QStringLiteral("drive"), QStringLiteral("coroscope"), QStringLiteral("scriptdriver.cpp"), 103}};
    const CpuProfile lent = blockedStackProfile(calls, {}, &sampled);
    QCOMPARE(framesNamed(lent, QStringLiteral("drive")).size(), std::size_t(1));
    QCOMPARE(framesNamed(lent, QStringLiteral("drive")).front().module, QStringLiteral("coroscope"));
    QCOMPARE(lent.counters.samples, expected);
    // One block: its weight only; one without a stack still counts, under a frame that says so.
    const CpuProfile one = blockedStackProfile(calls, 13);
    QCOMPARE(one.counters.samples, 1U);
    QCOMPARE(one.counters.stacks, 0U);
    QCOMPARE(cpuFoldedStacks(one).front().first, QStringLiteral("(no task);(no stack captured)"));
}

void TestCpuProfileView::pageFollowsFiltersAndSources() {
    CpuProfilePage page;
    page.resize(1200, 700);
    page.show();
    const auto data = handSession();
    page.setData(data);
    QVERIFY(page.messageText().isEmpty());
    // The honesty line: samples, interval, CPU time, stacks, what was dropped; nothing over budget.
    const QString header = page.headerText();
    QVERIFY2(header.contains(QStringLiteral("%1 samples").arg(kTotal)) &&
                 header.contains(QStringLiteral("1.00 ms")) &&
                 header.contains(QStringLiteral("CPU time %1 ms").arg(kTotal)) &&
                 header.contains(QStringLiteral("3 dropped stacks")) &&
                 !header.contains(QStringLiteral("budget")),
             qPrintable(header));
    // Tasks by samples, event types with the one outside any dispatch.
    QCOMPARE(page.taskBox().count(), 3);
    QVERIFY(page.taskBox().itemText(1).startsWith(QStringLiteral("alpha #1")));
    QVERIFY(page.eventBox().findText(QStringLiteral("(outside any dispatch)")) > 0);
    QCOMPARE(page.topDownModel().tree()->total(), kTotal);
    page.taskBox().setCurrentIndex(2); // beta
    QCOMPARE(page.topDownModel().tree()->total(), kRender);
    QCOMPARE(page.flameGraph().tree()->total(), kRender);
    QVERIFY(page.headerText().contains(percent(kRender, kTotal)));
    page.refresh(); // a live run's next build keeps the task chosen
    QCOMPARE(page.taskBox().currentData().toULongLong(), kBeta);
    QCOMPARE(page.topDownModel().tree()->total(), kRender);
    page.tabs().setCurrentWidget(&page.bottomUpView());
    QCOMPARE(page.bottomUpModel().tree()->total(), kRender);
    page.taskBox().setCurrentIndex(0);
    QCOMPARE(page.bottomUpModel().tree()->total(), kTotal);
    page.eventBox().setCurrentIndex(page.eventBox().findText(QStringLiteral("(outside any dispatch)")));
    QCOMPARE(page.filter().eventType, std::optional(QString()));
    QCOMPARE(page.topDownModel().tree()->total(), kParseOutside);
    QCOMPARE(page.bottomUpModel().tree()->total(), kParseOutside);
    page.eventBox().setCurrentIndex(0);
    // The search filters the tables to the paths that lead to a match, and says its share.
    page.searchField().setText(QStringLiteral("lex"));
    QCOMPARE(page.flameGraph().searchShare(), double(kLex) / double(kTotal));
    QCOMPARE(page.topDownView().model()->rowCount(), 1); // alpha only
    page.searchField().clear();

    // The blocked stacks through the same views; the selected block when there is one.
    QCOMPARE(page.sourceBox().count(), 2);
    page.setSource(CpuProfileSource::AllBlocks);
    QCOMPARE(page.profile()->counters.samples, 421U);
    QCOMPARE(page.topDownModel().tree()->total(), 421U);
    QVERIFY(page.headerText().contains(QStringLiteral("3 slow callbacks")));
    page.setSelectedSlowCallback(12);
    QCOMPARE(page.sourceBox().count(), 3);
    page.setSource(CpuProfileSource::SelectedBlock);
    QCOMPARE(page.profile()->counters.samples, 120U);
    QCOMPARE(page.flameGraph().tree()->total(), 120U);
    QVERIFY2(page.headerText().contains(QStringLiteral("in parser: blocked 120 ms")),
             qPrintable(page.headerText()));
    page.setSelectedSlowCallback(std::nullopt); // the selection went: all the blocks again
    QCOMPARE(page.source(), CpuProfileSource::AllBlocks);
    QCOMPARE(page.sourceBox().count(), 2);
    page.clear();
    QVERIFY(!page.messageText().isEmpty());
    QVERIFY(!page.flameGraph().tree());
}

void TestCpuProfileView::liveRunRebuildsAtMostOnceASecondKeepingZoom() {
    CpuProfilePage page;
    page.resize(1000, 600);
    page.show();
    const auto view = [](std::uint64_t moreLex) {
        auto data = handSession();
        data->finished = false; // a run still going on
        data->cpuProfile.nodes[4].selfSamples += moreLex;
        data->cpuProfile.counters.samples += moreLex;
        return data;
    };
    page.setData(view(0));
    const CpuCallTree& first = *page.flameGraph().tree();
    const QStringList parsePath{QStringLiteral("alpha"), QStringLiteral("main"),
                                QStringLiteral("parse(Doc const&)")};
    page.flameGraph().zoomTo(pathTo(first, parsePath));
    const QList<QStringList> opened = expandedCpuPaths(page.topDownView());
    QVERIFY(!opened.isEmpty()); // the hottest path, opened when first shown
    // The next view of the run comes within the second: built later, once.
    page.setData(view(100));
    QCOMPARE(page.flameGraph().tree()->total(), kTotal);
    QVERIFY(test::spinUntil([&] { return page.flameGraph().tree()->total() == kTotal + 100; }, 3s));
    // The user's zoom and opened rows are the same paths in the new tree.
    QCOMPARE(page.flameGraph().tree()->path(page.flameGraph().zoomedNode()), parsePath);
    QCOMPARE(expandedCpuPaths(page.topDownView()), opened);
    // Behind another view, nothing is built until it is shown again.
    page.hide();
    page.setData(view(200));
    QTest::qWait(1100);
    QCOMPARE(page.flameGraph().tree()->total(), kTotal + 100);
    page.show();
    QCOMPARE(page.flameGraph().tree()->total(), kTotal + 200);
}

void TestCpuProfileView::aSessionWithoutProfileSaysWhy() {
    CpuProfilePage page;
    page.show();
    auto data = handSession();
    data->cpuProfile = CpuProfile{}; // intervalNs 0: not sampled
    page.setData(data);
    QVERIFY2(page.messageText().contains(QStringLiteral("--sample-rate 0")), qPrintable(page.messageText()));
    QVERIFY(page.messageText().contains(QStringLiteral("Blocked stacks"))); // it has slow callbacks
    QVERIFY(!page.flameGraph().tree());
    // Its blocked stacks are still there.
    page.setSource(CpuProfileSource::AllBlocks);
    QVERIFY(page.messageText().isEmpty());
    QCOMPARE(page.flameGraph().tree()->total(), 421U);
}

void TestCpuProfileView::windowHasTheTabAndItsSentence() {
    const QTemporaryDir dir;
    const QString session = dir.filePath(QStringLiteral("s.coroscope"));
    test::writeSyntheticSession(session, 20, 1); // written without CPU profile tables
    MainWindow w(QStringLiteral("coroscope"));
    w.show();
    QVERIFY(w.openSession(session));
    QVERIFY(test::spinUntil([&] { return w.tail().latest() != nullptr; }, 10s));
    auto* views = w.findChild<QTabWidget*>(QStringLiteral("Views"));
    QVERIFY(views);
    int tab = -1;
    for (int i = 0; i < views->count(); ++i)
        if (views->tabText(i) == QStringLiteral("CPU profile"))
            tab = i;
    QVERIFY(tab >= 0);
    QCOMPARE(views->widget(tab), &w.cpuProfilePage());
    views->setCurrentIndex(tab);
    QVERIFY(test::spinUntil([&] { return !w.cpuProfilePage().messageText().isEmpty(); }, 10s));
    QVERIFY2(w.cpuProfilePage().messageText().contains(QStringLiteral("no CPU profile")),
             qPrintable(w.cpuProfilePage().messageText()));
    QVERIFY(w.cpuProfilePage().headerText().contains(QStringLiteral("No CPU profile")));
    // And the sites page beside it gets the same session: its tasks' spawn site.
    int sitesTab = -1;
    for (int i = 0; i < views->count(); ++i)
        if (views->widget(i) == &w.sitesPage())
            sitesTab = i;
    QVERIFY(sitesTab > tab);
    QCOMPARE(views->tabText(sitesTab), QStringLiteral("Await && spawn sites"));
    QVERIFY(test::spinUntil([&] { return w.sitesPage().spawnSites().rowCount() > 0; }, 10s));
}

void TestCpuProfileView::timeRangeCountsItsSamplesOnly() {
    const auto p = handProfile();
    // Beta's render samples only: 201..210 ms after the start.
    const CpuProfile beta = cpuProfileInRange(*p, {kSamplesStartNs + 150 * kMs, kSamplesStartNs + 300 * kMs});
    QCOMPARE(beta.counters.samples, kRender);
    QCOMPARE(beta.counters.stacks, kRender);
    QCOMPARE(beta.counters.droppedStacks, 0U); // not in time: in no range
    QCOMPARE(cpuSampleCount(beta, {kAlpha}), 0U);
    QCOMPARE(beta.nodes[7].selfSamples, kRender);
    QCOMPARE(beta.samples.size(), std::size_t(kRender));
    QCOMPARE(beta.frames.size(), p->frames.size()); // the same tree: every view reads it as before
    // Both ends are in: parse's samples at 1..60 ms, lex's at 61..90.
    const CpuProfile parseAndLex =
        cpuProfileInRange(*p, {kSamplesStartNs + 60 * kMs, kSamplesStartNs + 61 * kMs});
    QCOMPARE(parseAndLex.nodes[3].selfSamples, 1U);
    QCOMPARE(parseAndLex.nodes[4].selfSamples, 1U);
    QCOMPARE(parseAndLex.counters.samples, 2U);
    // The whole span is the whole profile; a range before it holds nothing.
    const CpuProfile all = cpuProfileInRange(*p, {0, kSamplesStartNs + 10'000 * kMs});
    QCOMPARE(all.counters.samples, kTotal);
    for (std::size_t i = 1; i < all.nodes.size(); ++i)
        QCOMPARE(all.nodes[i].selfSamples, p->nodes[i].selfSamples);
    QCOMPARE(cpuProfileInRange(*p, {0, kSamplesStartNs}).counters.samples, 0U);
    // Samples past the timed cap are in no range: said for a range that reaches past the last.
    CpuProfile capped = *p;
    capped.counters.untimedSamples = 5;
    QCOMPARE(cpuProfileInRange(capped, {0, kSamplesStartNs + 10'000 * kMs}).counters.untimedSamples, 5U);
    QCOMPARE(cpuProfileInRange(capped, {0, kSamplesStartNs + 20 * kMs}).counters.untimedSamples, 0U);

    // Slow callbacks: those that held the loop during any part of the range.
    std::vector<SlowCallback> blocks = handSession()->snapshot.slowCallbacks; // 300 ms, 120.4 ms, 0.2 ms
    blocks[0].startNs = 1'000 * kMs;
    blocks[1].startNs = 2'000 * kMs;
    blocks[2].startNs = 3'000 * kMs;
    const auto seqs = [](const std::vector<SlowCallback>& in) {
        QList<std::uint64_t> out;
        for (const SlowCallback& c : in)
            out << c.dispatchSeq;
        return out;
    };
    QCOMPARE(seqs(slowCallbacksInRange(blocks, {1'200 * kMs, 2'010 * kMs})), (QList<std::uint64_t>{11, 12}));
    QCOMPARE(seqs(slowCallbacksInRange(blocks, {1'301 * kMs, 1'999 * kMs})), QList<std::uint64_t>{});
    QCOMPARE(seqs(slowCallbacksInRange(blocks, {3'000 * kMs, 4'000 * kMs})), QList<std::uint64_t>{13});
}

void TestCpuProfileView::pageShowsTheTimeRangeChosen() {
    CpuProfilePage page;
    page.resize(1200, 700);
    page.show();
    auto data = handSession();
    data->info.startNs = kSamplesStartNs;
    data->snapshot.slowCallbacks[0].startNs = kSamplesStartNs + 205 * kMs; // in beta's 10 ms
    data->snapshot.slowCallbacks[1].startNs = kSamplesStartNs + 900 * kMs;
    data->snapshot.slowCallbacks[2].startNs = kSamplesStartNs + 950 * kMs;
    page.setData(data);
    QVERIFY(page.rangeText().isEmpty());
    QCOMPARE(page.flameGraph().tree()->total(), kTotal);
    page.setTimeRange(TimeRange{kSamplesStartNs + 150 * kMs, kSamplesStartNs + 300 * kMs});
    QCOMPARE(page.flameGraph().tree()->total(), kRender);
    QCOMPARE(page.topDownModel().tree()->total(), kRender);
    QVERIFY2(page.headerText().contains(QStringLiteral("%1 samples").arg(kRender)),
             qPrintable(page.headerText()));
    QVERIFY2(page.rangeText().contains(QStringLiteral("+150")) &&
                 page.rangeText().contains(QStringLiteral("+300")),
             qPrintable(page.rangeText()));
    // The task box offers what ran in the range; the blocked stacks follow it too.
    QCOMPARE(page.taskBox().count(), 2); // all, beta
    page.setSource(CpuProfileSource::AllBlocks);
    QCOMPARE(page.profile()->counters.samples, 300U);
    QVERIFY2(page.headerText().startsWith(QStringLiteral("1 slow callback")), qPrintable(page.headerText()));
    page.setSource(CpuProfileSource::CpuSamples);
    // A range the loop used no CPU in says so, and how to get out of it.
    page.setTimeRange(TimeRange{kSamplesStartNs + 120 * kMs, kSamplesStartNs + 180 * kMs});
    QVERIFY2(page.messageText().contains(QStringLiteral("No CPU samples in the time range")),
             qPrintable(page.messageText()));
    // "Whole run" lets it go and says so to the timeline.
    QSignalSpy cleared(&page, &CpuProfilePage::timeRangeCleared);
    auto* wholeRun = page.findChild<QPushButton*>(QStringLiteral("cpuWholeRun"));
    QVERIFY(wholeRun && wholeRun->isVisible());
    wholeRun->click();
    QCOMPARE(cleared.size(), 1);
    QVERIFY(!page.timeRange());
    QVERIFY(!wholeRun->isVisible());
    QCOMPARE(page.flameGraph().tree()->total(), kTotal);
    // A range set while the page is behind another view is built when it is shown.
    page.hide();
    page.setTimeRange(TimeRange{kSamplesStartNs, kSamplesStartNs + 60 * kMs});
    page.show();
    QCOMPARE(page.flameGraph().tree()->total(), kParseTimer);
    page.clear(); // another session: no range of this one
    QVERIFY(!page.timeRange());
}

void TestCpuProfileView::timelineRangeReachesThePage() {
    const QTemporaryDir dir;
    const QString session = dir.filePath(QStringLiteral("s.coroscope"));
    test::writeSyntheticSession(session, 20, 1);
    MainWindow w(QStringLiteral("coroscope"));
    w.resize(1400, 900);
    w.show();
    QVERIFY(w.openSession(session));
    QVERIFY(test::spinUntil([&] { return w.tail().latest() != nullptr; }, 10s));
    w.showView(MainWindow::View::Tasks);
    auto* taskTabs = w.timeline().parentWidget();
    while (taskTabs && !qobject_cast<QTabWidget*>(taskTabs))
        taskTabs = taskTabs->parentWidget();
    QVERIFY(taskTabs);
    static_cast<QTabWidget*>(taskTabs)->setCurrentWidget(&w.timeline());
    QVERIFY(QTest::qWaitForWindowExposed(&w.timeline()));
    // A drag along the timeline's axis: the page gets the range, the window does not pan.
    TaskTimeline& timeline = w.timeline();
    const std::int64_t from = timeline.windowFrom();
    const int axisY = timeline.fontMetrics().height() / 2 + 2;
    const int x0 = timeline.width() / 2, x1 = timeline.width() * 3 / 4;
    QTest::mousePress(&timeline, Qt::LeftButton, {}, QPoint(x0, axisY));
    QMouseEvent move(QEvent::MouseMove, QPointF(x1, axisY), timeline.mapToGlobal(QPointF(x1, axisY)),
                     Qt::NoButton, Qt::LeftButton, {});
    QApplication::sendEvent(&timeline, &move);
    QTest::mouseRelease(&timeline, Qt::LeftButton, {}, QPoint(x1, axisY));
    QCOMPARE(timeline.windowFrom(), from);
    QVERIFY(timeline.selectedRange());
    QCOMPARE(w.cpuProfilePage().timeRange(), timeline.selectedRange());
    QVERIFY(w.cpuProfilePage().timeRange()->toNs > w.cpuProfilePage().timeRange()->fromNs);
    // The page's "Whole run" clears the timeline's shading too.
    w.cpuProfilePage().findChild<QPushButton*>(QStringLiteral("cpuWholeRun"))->click();
    QVERIFY(!timeline.selectedRange());
    // Esc in the timeline lets a range go.
    QTest::mousePress(&timeline, Qt::LeftButton, {}, QPoint(x0, axisY));
    QApplication::sendEvent(&timeline, &move);
    QTest::mouseRelease(&timeline, Qt::LeftButton, {}, QPoint(x1, axisY));
    QVERIFY(w.cpuProfilePage().timeRange());
    QTest::keyClick(&timeline, Qt::Key_Escape);
    QVERIFY(!w.cpuProfilePage().timeRange());
    QVERIFY(!timeline.selectedRange());
}

int main(int argc, char** argv) {
    // Settings of this test only: the window saves its layout when it closes.
    QTemporaryDir config;
    qputenv("XDG_CONFIG_HOME", config.path().toLocal8Bit());
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("coroscope-test-cpuprofileview"));
    TestCpuProfileView test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_cpuprofileview.moc"
