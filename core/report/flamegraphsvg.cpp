// The CPU profile as an inline SVG flame graph for the HTML report. Like the charts of svgchart.cpp
// it needs no script, font or network, and is bounded in size whatever the profile holds.
#include "report/flamegraphsvg.h"

#include "model/format.h"
#include "report/cpuprofileanalysis.h"

#include <QStringList>
#include <queue>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <vector>

namespace coroscope::svg {
namespace {

constexpr double kRowHeight = 17; // a box and a 1-unit gap
constexpr double kBoxHeight = 16;
constexpr double kTitleHeight = 24;
constexpr double kNoteHeight = 16;
// Identifiers at 11 px in DejaVu Sans (Chromium's sans-serif on Linux) measured ~5.8 units a
// character; a little more, as an estimate too small spills labels over their neighbours.
constexpr double kCharWidth = 6.2;
constexpr double kLabelPad = 3;
constexpr qsizetype kNameLimit = 300; // characters of a name kept (function names can be pages long)

enum class Kind { Root, Task, Frame };

struct Box {
    Kind kind = Kind::Frame;
    std::uint32_t frame = 0; // Kind::Frame
    QString task;            // Kind::Task: its label
    std::size_t parent = 0;
    int depth = 0;
    std::uint64_t self = 0;
    std::uint64_t total = 0;
    std::vector<std::size_t> children;
};

/// The profile's trees merged into one: the root, each task label, then frames merged per caller.
/// A box is always created after its parent, so one backward pass adds the totals up.
std::vector<Box> mergedTree(const CpuProfile& profile) {
    std::vector<Box> boxes(1);
    boxes[0].kind = Kind::Root;
    std::map<QString, std::size_t> taskBoxes;
    std::map<std::pair<std::size_t, std::uint32_t>, std::size_t> frameBoxes;
    std::vector<std::size_t> boxOf(profile.nodes.size(), 0);
    for (const CpuNode& n : profile.nodes) {
        if (n.id == 0)
            continue;
        std::size_t parent = 0;
        std::size_t b = 0;
        if (n.parent == 0) {
            const QString label = profile.taskLabel(n.taskId);
            const auto [it, added] = taskBoxes.try_emplace(label, boxes.size());
            if (added) {
                boxes.push_back(Box{Kind::Task, 0, label, 0, 1, 0, 0, {}});
                boxes[0].children.push_back(it->second);
            }
            b = it->second;
        } else {
            // Parents come first; a damaged profile's orphan hangs from the root, not lost.
            parent = n.parent < n.id && n.parent < boxOf.size() ? boxOf[n.parent] : 0;
            const auto [it, added] = frameBoxes.try_emplace({parent, n.frame}, boxes.size());
            if (added) {
                boxes.push_back(Box{Kind::Frame, n.frame, {}, parent, boxes[parent].depth + 1, 0, 0, {}});
                boxes[parent].children.push_back(it->second);
            }
            b = it->second;
        }
        if (n.id < boxOf.size())
            boxOf[n.id] = b;
        boxes[b].self += n.selfSamples;
    }
    for (Box& b : boxes)
        b.total = b.self;
    for (std::size_t i = boxes.size(); i-- > 1;)
        boxes[boxes[i].parent].total += boxes[i].total;
    return boxes;
}

QString n2(double v) {
    return QString::number(v, 'f', 2);
}

/// Control characters as spaces (they are not even allowed in XML), then bounded.
QString clean(QString text) {
    for (QChar& c : text)
        if (c.category() == QChar::Other_Control)
            c = u' ';
    if (text.size() > kNameLimit) {
        qsizetype cut = kNameLimit;
        if (text.at(cut - 1).isHighSurrogate())
            --cut;
        text = text.left(cut) + u'…';
    }
    return text;
}

/// As much of `text` as fits `width`, elided with "…"; nothing when not even three characters fit.
QString fitted(const QString& text, double width) {
    const auto room = qsizetype((width - 2 * kLabelPad) / kCharWidth);
    if (room < 3)
        return {};
    if (text.size() <= room)
        return text;
    qsizetype cut = room - 1;
    if (text.at(cut - 1).isHighSurrogate())
        --cut;
    return text.left(cut) + u'…';
}

/// A warm colour per module, the same in every report: FNV-1a, not qHash (seeded per process).
/// A few distinct colours read better than a continuous range, where neighbours look alike; none
/// is so dark that the black labels are hard to read.
QString moduleColour(const QString& module) {
    static const char* const kWarm[] = {"#f4a261", "#e76f51", "#f6bd60", "#fb8b24", "#ef6351", "#ffb870",
                                        "#e9c46a", "#f28482", "#fca311", "#f79d65", "#ff7f51", "#ffd166"};
    std::uint32_t h = 2166136261u;
    for (const QChar c : module) {
        h ^= c.unicode();
        h *= 16777619u;
    }
    return QString::fromLatin1(kWarm[h % std::size(kWarm)]);
}

QString boxName(const CpuProfile& profile, const Box& b) {
    switch (b.kind) {
    case Kind::Root:
        return QStringLiteral("all");
    case Kind::Task:
        return b.task;
    case Kind::Frame:
        break;
    }
    const QString name = cpuFrameName(profile, b.frame);
    return name.isEmpty() ? QStringLiteral("(unknown frame)") : name;
}

} // namespace

FlameGraph flameGraph(const CpuProfile& profile, const FlameGraphOptions& options) {
    FlameGraph out;
    const std::vector<Box> boxes = mergedTree(profile);
    const std::uint64_t all = boxes[0].total;
    out.samples = all;
    if (all == 0)
        return out;
    const double width = options.width;
    const double perSample = width / double(all);
    const double minSamples = double(all) * std::max(options.minFraction, 1.0 / width);
    auto share = [&](std::uint64_t v) { return QString::number(100.0 * double(v) / double(all), 'f', 1); };
    auto cpu = [&](std::uint64_t v) { return formatDuration(std::int64_t(v) * profile.intervalNs); };
    std::vector<QString> names(boxes.size());
    for (std::size_t i = 0; i < boxes.size(); ++i)
        names[i] = clean(boxName(profile, boxes[i]));

    // Widest first: if the box bound is reached, what is left out is what was least visible.
    using Entry = std::tuple<std::uint64_t, std::size_t, double>; // total, box, x in samples
    auto narrowerLater = [](const Entry& a, const Entry& b) {
        return std::get<0>(a) != std::get<0>(b) ? std::get<0>(a) < std::get<0>(b)
                                                : std::get<1>(a) > std::get<1>(b);
    };
    std::priority_queue<Entry, std::vector<Entry>, decltype(narrowerLater)> queue(narrowerLater);
    queue.emplace(all, 0, 0.0);
    QString body;
    int deepest = 0;
    while (!queue.empty()) {
        const auto [total, index, x] = queue.top();
        queue.pop();
        const Box& b = boxes[index];
        if (index != 0 && double(total) < minSamples) {
            ++out.narrowBoxes;
            out.narrowSamples += total;
            continue;
        }
        if (b.depth > options.maxDepth || out.boxes >= options.maxBoxes) {
            ++out.cutBoxes;
            out.cutSamples += total;
            continue;
        }
        ++out.boxes;
        deepest = std::max(deepest, b.depth);
        const double bx = x * perSample;
        const double bw = double(total) * perSample;
        const double by = kTitleHeight + b.depth * kRowHeight;
        QString tip = names[index];
        QString fill = QStringLiteral("#d0d0d0");
        if (b.kind == Kind::Root) {
            tip += QStringLiteral(": %1 samples, %2 of CPU time").arg(all).arg(cpu(all));
        } else if (b.kind == Kind::Task) {
            tip = QStringLiteral("task ") + tip +
                  QStringLiteral("\n%1 samples (%2 %), %3 of CPU time")
                      .arg(total)
                      .arg(share(total), cpu(total));
            fill = QStringLiteral("#bccde4");
        } else {
            const CpuFrame* f = b.frame < profile.frames.size() ? &profile.frames[b.frame] : nullptr;
            const QString module = f ? clean(f->module) : QString();
            fill = moduleColour(module);
            tip += u'\n' + (module.isEmpty() ? QStringLiteral("(unknown module)") : module);
            if (f && !f->file.isEmpty())
                tip += QStringLiteral(" · ") + clean(f->file) +
                       (f->line > 0 ? u':' + QString::number(f->line) : QString());
            tip += QStringLiteral("\non this path: self %1 samples (%2 %), total %3 (%4 %), %5 of CPU time")
                       .arg(b.self)
                       .arg(share(b.self))
                       .arg(total)
                       .arg(share(total), cpu(total));
        }
        // Escaped last, after every cut, so no entity is ever cut in half.
        body += QStringLiteral("<rect x=\"%1\" y=\"%2\" width=\"%3\" height=\"%4\" fill=\"%5\">"
                               "<title>%6</title></rect>")
                    .arg(n2(bx), n2(by), n2(bw), n2(kBoxHeight), fill, tip.toHtmlEscaped());
        const QString label =
            fitted(b.kind == Kind::Root ? QStringLiteral("all: %1 samples, %2 of CPU").arg(all).arg(cpu(all))
                                        : names[index],
                   bw);
        // The label lets the pointer through, so hovering it shows the box's tooltip.
        if (!label.isEmpty())
            body += QStringLiteral("<text x=\"%1\" y=\"%2\" fill=\"#000\" pointer-events=\"none\">%3</text>")
                        .arg(n2(bx + kLabelPad), n2(by + 12), label.toHtmlEscaped());
        body += u'\n';
        // Callees left to right from the caller's left edge, widest first; the caller's self time
        // is what is left on the right.
        std::vector<std::size_t> children = b.children;
        std::stable_sort(children.begin(), children.end(), [&](std::size_t l, std::size_t r) {
            return boxes[l].total != boxes[r].total ? boxes[l].total > boxes[r].total : names[l] < names[r];
        });
        double cx = x;
        for (const std::size_t c : children) {
            if (boxes[c].total > 0)
                queue.emplace(boxes[c].total, c, cx);
            cx += double(boxes[c].total);
        }
    }

    QStringList notes;
    if (out.narrowSamples > 0)
        notes << QStringLiteral("%1 samples (%2 %) are in %3 narrower than %4 % each: not drawn, "
                                "they show as their callers' self time.")
                     .arg(out.narrowSamples)
                     .arg(share(out.narrowSamples))
                     .arg(out.narrowBoxes == 1 ? QStringLiteral("1 call path")
                                               : QStringLiteral("%1 call paths").arg(out.narrowBoxes))
                     .arg(QString::number(100.0 * std::max(options.minFraction, 1.0 / width), 'g', 2));
    if (out.cutSamples > 0)
        notes << QStringLiteral("The graph is limited to %1 boxes and %2 rows: %3 more call paths with %4 "
                                "samples (%5 %) are not drawn.")
                     .arg(options.maxBoxes)
                     .arg(options.maxDepth)
                     .arg(out.cutBoxes)
                     .arg(out.cutSamples)
                     .arg(share(out.cutSamples));
    const double notesTop = kTitleHeight + double(deepest + 1) * kRowHeight + 4;
    for (qsizetype i = 0; i < notes.size(); ++i)
        body += QStringLiteral("<text x=\"0\" y=\"%1\" fill=\"currentColor\">%2</text>\n")
                    .arg(n2(notesTop + double(i + 1) * kNoteHeight - 4), notes[i].toHtmlEscaped());
    const double height = notesTop + double(notes.size()) * kNoteHeight;
    const QString title = QStringLiteral("CPU flame graph: %1 samples, %2 of the loop thread's CPU time")
                              .arg(all)
                              .arg(cpu(all));
    // fill="currentColor": the title and notes follow the page's text colour (dark mode too).
    out.svg = QStringLiteral("<svg class=\"flamegraph\" viewBox=\"0 0 %1 %2\" width=\"%1\" height=\"%2\" "
                             "role=\"img\" aria-label=\"%3\" font-family=\"system-ui, sans-serif\" "
                             "font-size=\"11\">\n<text x=\"0\" y=\"16\" font-size=\"12\" font-weight=\"600\" "
                             "fill=\"currentColor\">%3</text>\n%4</svg>\n")
                  .arg(n2(width), n2(height), title.toHtmlEscaped(), body);
    return out;
}

} // namespace coroscope::svg
