// The CPU profile in the HTML and Markdown reports: the flame graph's geometry (boxes as wide as
// their inclusive samples, callees under their caller), what it leaves out and says so, escaping
// of untrusted function names, and the "Where the time goes" sections built from a known profile.
#include "reading/sessionreader.h"
#include "report/cpuprofileanalysis.h"
#include "report/flamegraphsvg.h"
#include "report/htmlreport.h"
#include "report/markdownreport.h"

#include <QRegularExpression>
#include <QTest>

#include <map>

using namespace coroscope;

namespace {

const QString kEvil = QStringLiteral("<script>alert(1)</script>&\"");

/// Builds a profile node by node; ids follow the order of the calls, parents before children.
struct ProfileBuilder {
    CpuProfile p;
    ProfileBuilder() {
        p.intervalNs = 1'000'000;
        p.frames.resize(1);
        p.nodes.resize(1);
    }
    std::uint32_t frame(const QString& function, const QString& module, const QString& file = {},
                        int line = 0) {
        const auto id = std::uint32_t(p.frames.size());
        p.frames.push_back({id, function, module, file, line});
        return id;
    }
    std::uint32_t root(std::uint64_t task, const QString& name) {
        p.taskNames[task] = name;
        return node(0, 0, 0, task);
    }
    std::uint32_t node(std::uint32_t parent, std::uint32_t frame, std::uint64_t self,
                       std::uint64_t task = 0) {
        const auto id = std::uint32_t(p.nodes.size());
        if (parent != 0)
            task = p.nodes[parent].taskId;
        p.nodes.push_back({id, parent, frame, task, QString(), self});
        p.counters.samples += self;
        p.counters.stacks += self;
        return id;
    }
};

struct Expected {
    std::uint64_t self = 0;
    std::uint64_t total = 0;
};

/// Task A: main → parse (60 self) → lex (30 self); task B: main → render (10 self).
ProfileBuilder sampleProfile(const QString& renderName = QStringLiteral("render")) {
    ProfileBuilder b;
    const auto main =
        b.frame(QStringLiteral("main"), QStringLiteral("app"), QStringLiteral("/src/main.cpp"), 5);
    const auto parse =
        b.frame(QStringLiteral("parse"), QStringLiteral("libparse.so"), QStringLiteral("/src/parse.cpp"), 88);
    const auto lex = b.frame(QStringLiteral("lex"), QStringLiteral("libparse.so"));
    const auto render = b.frame(renderName, QStringLiteral("libgui.so"));
    const auto a = b.root(1, QStringLiteral("A"));
    b.node(b.node(b.node(a, main, 0), parse, 60), lex, 30);
    b.node(b.node(b.root(2, QStringLiteral("B")), main, 0), render, 10);
    return b;
}

struct Rect {
    double x = 0, y = 0, width = 0;
    QString title; // as written: escaped
};

std::vector<Rect> rects(const QString& svg) {
    static const QRegularExpression re(QStringLiteral(
        "<rect x=\"([0-9.]+)\" y=\"([0-9.]+)\" width=\"([0-9.]+)\"[^>]*><title>([^<]*)</title>"));
    std::vector<Rect> out;
    for (auto it = re.globalMatch(svg); it.hasNext();) {
        const auto m = it.next();
        out.push_back(
            {m.captured(1).toDouble(), m.captured(2).toDouble(), m.captured(3).toDouble(), m.captured(4)});
    }
    return out;
}

/// The boxes whose tooltip starts with `name` (a function or "task NAME").
std::vector<Rect> boxesNamed(const std::vector<Rect>& all, const QString& name) {
    std::vector<Rect> out;
    for (const Rect& r : all)
        if (r.title.section(u'\n', 0, 0) == name)
            out.push_back(r);
    return out;
}

/// The cells of each row of the table following `heading`.
std::vector<QStringList> tableAfter(const QString& html, const QString& heading) {
    const qsizetype from = html.indexOf(heading);
    const qsizetype to = html.indexOf(QStringLiteral("</table>"), from);
    std::vector<QStringList> rows;
    if (from < 0 || to < 0)
        return rows;
    static const QRegularExpression cell(QStringLiteral("<td[^>]*>(.*?)</td>"));
    for (const QString& row : html.mid(from, to - from).split(QStringLiteral("<tr>"))) {
        QStringList cells;
        for (auto it = cell.globalMatch(row); it.hasNext();)
            cells << it.next().captured(1);
        if (!cells.isEmpty())
            rows.push_back(cells);
    }
    return rows;
}

qsizetype longestRun(const QString& text, QChar c) {
    qsizetype longest = 0, run = 0;
    for (const QChar x : text) {
        run = x == c ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return longest;
}

} // namespace

class TestFlameGraphSvg : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void widthsAreInclusiveSamples() {
        const CpuProfile p = sampleProfile().p;
        const svg::FlameGraph graph = svg::flameGraph(p);
        QCOMPARE(graph.samples, cpuSampleCount(p));
        const std::vector<Rect> all = rects(graph.svg);
        QCOMPARE(all.size(), graph.boxes);
        const auto root = boxesNamed(all, QStringLiteral("all: 100 samples, 100 ms of CPU time"));
        QCOMPARE(root.size(), std::size_t(1));
        const double full = root[0].width;
        QVERIFY(full > 0);
        // Inclusive samples of each box, from how the profile was built.
        const std::map<QString, std::vector<std::uint64_t>> inclusive{
            {QStringLiteral("task A"), {90}},   {QStringLiteral("task B"), {10}},
            {QStringLiteral("main"), {90, 10}}, {QStringLiteral("parse"), {90}},
            {QStringLiteral("lex"), {30}},      {QStringLiteral("render"), {10}}};
        for (const auto& [name, totals] : inclusive) {
            auto boxes = boxesNamed(all, name);
            QVERIFY2(boxes.size() == totals.size(), qPrintable(name));
            std::sort(boxes.begin(), boxes.end(),
                      [](const Rect& a, const Rect& b) { return a.width > b.width; });
            for (std::size_t i = 0; i < totals.size(); ++i)
                QVERIFY2(std::abs(boxes[i].width - full * double(totals[i]) / 100.0) < 0.02,
                         qPrintable(name));
        }
        // Callees start at their caller's left edge, one row further down; the wider task first.
        const Rect parse = boxesNamed(all, QStringLiteral("parse"))[0];
        const Rect lex = boxesNamed(all, QStringLiteral("lex"))[0];
        QCOMPARE(lex.x, parse.x);
        QVERIFY(lex.y > parse.y);
        QVERIFY(boxesNamed(all, QStringLiteral("task A"))[0].x <
                boxesNamed(all, QStringLiteral("task B"))[0].x);
        // The tooltip gives self and total of this path, and the module and source line.
        QVERIFY(parse.title.contains(QStringLiteral("libparse.so · /src/parse.cpp:88")));
        QVERIFY(parse.title.contains(QStringLiteral("self 60 samples (60.0 %), total 90 (90.0 %)")));
        QVERIFY(!graph.svg.contains(QStringLiteral("not drawn")));
        // One module, one colour; another module, another.
        static const QRegularExpression fill(
            QStringLiteral("fill=\"(#[0-9a-f]{6})\"><title>(parse|lex|render)\n"));
        std::map<QString, QString> colours;
        for (auto it = fill.globalMatch(graph.svg); it.hasNext();) {
            const auto m = it.next();
            colours[m.captured(2)] = m.captured(1);
        }
        QCOMPARE(colours.size(), std::size_t(3));
        QCOMPARE(colours[QStringLiteral("parse")], colours[QStringLiteral("lex")]);
        QVERIFY(colours[QStringLiteral("parse")] != colours[QStringLiteral("render")]);
    }

    void narrowBoxesAreHiddenAndCounted() {
        ProfileBuilder b;
        const auto big = b.frame(QStringLiteral("big"), QStringLiteral("m"));
        const auto tiny = b.frame(QStringLiteral("tiny"), QStringLiteral("m"));
        const auto small = b.frame(QStringLiteral("small"), QStringLiteral("m"));
        const auto task = b.root(1, QStringLiteral("t"));
        const auto bigNode = b.node(task, big, 10'000);
        const svg::FlameGraphOptions options;
        const std::uint64_t below = 5, above = 30; // around minFraction of the ~10 000 samples
        b.node(bigNode, tiny, below);
        b.node(bigNode, small, above);
        const double threshold = double(cpuSampleCount(b.p)) * options.minFraction;
        QVERIFY(double(below) < threshold && double(above) > threshold);
        const svg::FlameGraph graph = svg::flameGraph(b.p, options);
        const std::vector<Rect> all = rects(graph.svg);
        QVERIFY(boxesNamed(all, QStringLiteral("tiny")).empty());
        QCOMPARE(boxesNamed(all, QStringLiteral("small")).size(), std::size_t(1));
        QCOMPARE(graph.narrowBoxes, std::size_t(1));
        QCOMPARE(graph.narrowSamples, below);
        QVERIFY(graph.svg.contains(QStringLiteral("%1 samples (").arg(below)));
        QVERIFY(graph.svg.contains(QStringLiteral("not drawn")));
        // Hidden, not lost: the caller keeps its full width.
        QCOMPARE(boxesNamed(all, QStringLiteral("big"))[0].width,
                 boxesNamed(all, QStringLiteral("task t"))[0].width);
    }

    void boxCountIsBounded() {
        ProfileBuilder b;
        const auto task = b.root(1, QStringLiteral("t"));
        for (int i = 0; i < 40; ++i)
            b.node(task, b.frame(QStringLiteral("f%1").arg(i), QStringLiteral("m")), std::uint64_t(100 + i));
        svg::FlameGraphOptions options;
        options.maxBoxes = 12;
        const svg::FlameGraph graph = svg::flameGraph(b.p, options);
        QCOMPARE(graph.boxes, options.maxBoxes);
        QCOMPARE(rects(graph.svg).size(), options.maxBoxes);
        QCOMPARE(graph.cutBoxes, std::size_t(40 + 2 - options.maxBoxes));
        QVERIFY(graph.svg.contains(QStringLiteral("limited to %1 boxes").arg(options.maxBoxes)));
        // The widest are kept: every function drawn has more samples than every one cut.
        std::uint64_t drawn = 0;
        for (int i = 0; i < 40; ++i)
            if (!boxesNamed(rects(graph.svg), QStringLiteral("f%1").arg(i)).empty()) {
                QVERIFY(i >= 40 - int(options.maxBoxes - 2));
                drawn += std::uint64_t(100 + i);
            }
        QCOMPARE(drawn + graph.cutSamples, cpuSampleCount(b.p));
    }

    void namesAreEscapedAndBounded() {
        ProfileBuilder b = sampleProfile(kEvil);
        const auto task = b.root(3, QStringLiteral("<img src=x>"));
        b.node(task, b.frame(QStringLiteral("\x01\n") + QString(100'000, u'Q'), kEvil), 50);
        const QString svg = svg::flameGraph(b.p).svg;
        QVERIFY(!svg.contains(QStringLiteral("<script")));
        QVERIFY(!svg.contains(QStringLiteral("<img")));
        QVERIFY(!svg.contains(QChar(1)));
        QVERIFY(svg.contains(QStringLiteral("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;")));
        QVERIFY(longestRun(svg, u'Q') <= 400);
        QVERIFY(svg.size() < 100'000);
    }

    void htmlReportHasTheSection() {
        session::SessionData data;
        data.cpuProfile = sampleProfile(kEvil).p;
        data.cpuProfile.counters.droppedStacks = 3;
        const QString html = QString::fromUtf8(toHtmlReport(data));
        QVERIFY(html.contains(QStringLiteral("<a href=\"#cpu\">Where the time goes</a>")));
        const qsizetype section = html.indexOf(QStringLiteral("<h2 id=\"cpu\">Where the time goes</h2>"));
        QVERIFY(section > html.indexOf(QStringLiteral("<h2 id=\"loop\">")));
        QVERIFY(html.indexOf(QStringLiteral("<svg class=\"flamegraph\""), section) > section);
        QVERIFY(html.contains(QStringLiteral("100 samples, one per 1.00 ms of the loop thread's CPU time: "
                                             "100 ms of CPU time, in 100 stacks; 3 stacks dropped")));
        QVERIFY(!html.contains(QStringLiteral("shorter stack"))); // no over-budget samples: not said
        QCOMPARE(html.count(QStringLiteral("<script")), 1);       // the page's sorter only
        const std::map<QString, Expected> expected{{QStringLiteral("parse"), {60, 90}},
                                                   {QStringLiteral("lex"), {30, 30}},
                                                   {kEvil.toHtmlEscaped(), {10, 10}},
                                                   {QStringLiteral("main"), {0, 100}}};
        const auto rows = tableAfter(html, QStringLiteral("<h3>Top functions</h3>"));
        QCOMPARE(rows.size(), expected.size());
        QCOMPARE(rows.front()[0], QStringLiteral("parse")); // most self first
        for (const QStringList& row : rows) {
            QVERIFY2(expected.count(row[0]), qPrintable(row[0]));
            const Expected e = expected.at(row[0]);
            QCOMPARE(row[3], QString::number(e.self));
            QCOMPARE(row[4], QString::number(100.0 * double(e.self) / 100.0, 'f', 1) + QStringLiteral(" %"));
            QCOMPARE(row[5], QString::number(e.total));
        }
        const auto parse = std::find_if(rows.begin(), rows.end(),
                                        [](const QStringList& r) { return r[0] == QStringLiteral("parse"); });
        QVERIFY(parse->at(2).contains(QStringLiteral("parse.cpp:88")));
        const auto tasks = tableAfter(html, QStringLiteral("<h3>Samples by task</h3>"));
        QCOMPARE(tasks.size(), std::size_t(2));
        QVERIFY(tasks[0][0].startsWith(QStringLiteral("A ")));
        QCOMPARE(tasks[0][1], QStringLiteral("90"));
        QCOMPARE(tasks[1][1], QStringLiteral("10"));
    }

    void htmlSaysWhenNotSampled() {
        session::SessionData data;
        data.cpuProfile = sampleProfile().p;
        data.cpuProfile.intervalNs = 0;
        const QString html = QString::fromUtf8(toHtmlReport(data));
        QVERIFY(html.contains(QStringLiteral("<h2 id=\"cpu\">Where the time goes</h2>")));
        QVERIFY(html.contains(QStringLiteral("<code>--sample-rate 0</code>")));
        QVERIFY(!html.contains(QStringLiteral("flamegraph")));
        QVERIFY(!html.contains(QStringLiteral("Top functions")));
        // Sampled, but the loop never used a whole interval of CPU.
        data.cpuProfile = CpuProfile{};
        data.cpuProfile.intervalNs = 1'000'000;
        const QString idle = QString::fromUtf8(toHtmlReport(data));
        QVERIFY(idle.contains(QStringLiteral("No sample was taken")));
        QVERIFY(!idle.contains(QStringLiteral("flamegraph")));
    }

    void markdownSection() {
        session::SessionData data;
        data.cpuProfile = sampleProfile(QStringLiteral("a|b `c`")).p;
        data.cpuProfile.counters.overBudget = 2;
        const QString md = QString::fromUtf8(toMarkdownReport(data));
        const qsizetype section = md.indexOf(QStringLiteral("\n### Where the time goes\n"));
        QVERIFY(section > 0);
        QVERIFY(md.contains(QStringLiteral("100 samples, one per 1.00 ms")));
        QVERIFY(md.contains(QStringLiteral("2 samples charged to a shorter stack")));
        QVERIFY(md.contains(QStringLiteral("| Function | Module | Self | Total |")));
        QVERIFY(md.contains(QStringLiteral("| `parse` | `libparse.so` | 60 (60.0 %) | 90 (90.0 %) |")));
        QVERIFY(md.contains(QStringLiteral("| `main` | `app` | 0 (0.0 %) | 100 (100.0 %) |")));
        // A pipe cannot split the row, a backtick cannot end the span.
        QVERIFY(md.contains(QStringLiteral("| `` a\\|b `c` `` | `libgui.so` | 10 (10.0 %) | 10 (10.0 %) |")));
        QVERIFY(md.contains(QStringLiteral("| `A` #1 | 90 (90.0 %) | 90.0 ms |")));
        // Every row of the section's tables has as many cells as its header.
        for (const QString& line : md.mid(section).split(u'\n')) {
            if (!line.startsWith(u'|'))
                continue;
            const qsizetype pipes = line.count(u'|') - line.count(QStringLiteral("\\|"));
            QVERIFY2(pipes == 5 || pipes == 4, qPrintable(line));
        }

        data.cpuProfile = sampleProfile(kEvil).p;
        const QString evil = QString::fromUtf8(toMarkdownReport(data));
        static const QRegularExpression codeSpan(QStringLiteral("(`+).+?\\1"));
        QVERIFY(evil.contains(QStringLiteral("<script>"))); // in a code span, where it is text
        QVERIFY(!QString(evil).remove(codeSpan).contains(QStringLiteral("<script")));

        data.cpuProfile.intervalNs = 0;
        const QString off = QString::fromUtf8(toMarkdownReport(data));
        QVERIFY(
            off.contains(QStringLiteral("### Where the time goes\n\nThe loop thread's CPU was not sampled")));
        QVERIFY(!off.contains(QStringLiteral("| Function |")));
    }
};

QTEST_GUILESS_MAIN(TestFlameGraphSvg)
#include "test_flamegraphsvg.moc"
