#include "report/blockedstackprofile.h"

#include <QHash>
#include <QRegularExpression>

#include <algorithm>
#include <map>
#include <utility>

namespace coroscope {
namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;

/// "file.cpp:42" -> ("file.cpp", 42); anything else (a module, "??") -> ("", 0).
std::pair<QString, int> fileAndLine(const QString& where) {
    static const QRegularExpression pattern(QStringLiteral(R"(^(.+):(\d+)$)"));
    const QRegularExpressionMatch m = pattern.match(where);
    return m.hasMatch() ? std::pair{m.captured(1), m.captured(2).toInt()} : std::pair{QString(), 0};
}

std::optional<StackTextFrame> parseFrame(const QString& text) {
    const QString line = text.trimmed();
    const qsizetype space = line.indexOf(u' ');
    if (!line.startsWith(u'#') || space < 0)
        return std::nullopt;
    QString rest = line.mid(space + 1);
    StackTextFrame frame;
    // " [inlined into outer at file:line]" comes last and holds a function name with its own
    // parentheses: cut it off before looking for the "(where)" group.
    const qsizetype inlined = rest.lastIndexOf(QLatin1String(" [inlined into "));
    if (inlined >= 0 && rest.endsWith(u']')) {
        const QString into = rest.mid(inlined + 15, rest.size() - inlined - 16);
        const qsizetype at = into.lastIndexOf(QLatin1String(" at "));
        frame.inlinedInto = at < 0 ? into : into.left(at);
        if (at >= 0)
            std::tie(frame.inlinedIntoFile, frame.inlinedIntoLine) = fileAndLine(into.mid(at + 4));
        rest.truncate(inlined);
    }
    // The place never holds parentheses (a base name, a module, "??"); the function may.
    const qsizetype open = rest.lastIndexOf(QLatin1String(" ("));
    if (open <= 0 || !rest.endsWith(u')'))
        return std::nullopt; // cut short (a stack is stored up to a length) or not a frame
    frame.function = rest.left(open);
    const QString where = rest.mid(open + 2, rest.size() - open - 3);
    std::tie(frame.file, frame.line) = fileAndLine(where);
    if (frame.file.isEmpty() && where != QLatin1String("??"))
        frame.module = where;
    return frame;
}

/// Builds the profile's frames and nodes as stacks are added, interning like the sampler.
class ProfileBuilder {
public:
    explicit ProfileBuilder(CpuProfile& profile)
        : m_profile(profile) {
        m_profile.frames.assign(1, CpuFrame{});
        m_profile.nodes.assign(1, CpuNode{});
    }

    std::uint32_t frame(const QString& function, const QString& module, const QString& file, int line) {
        const auto [it, added] = m_frames.try_emplace({function, module}, 0);
        if (added) {
            it->second = std::uint32_t(m_profile.frames.size());
            m_profile.frames.push_back({it->second, function, module, file, line});
        }
        return it->second;
    }

    std::uint32_t root(std::uint64_t taskId, const QString& eventType) {
        const auto [it, added] = m_roots.try_emplace({taskId, eventType}, 0);
        if (added)
            it->second = addNode(0, 0, taskId, eventType);
        return it->second;
    }

    std::uint32_t child(std::uint32_t parent, std::uint32_t frame) {
        const auto [it, added] = m_children.try_emplace({parent, frame}, 0);
        if (added) {
            const CpuNode& p = m_profile.nodes[parent];
            it->second = addNode(parent, frame, p.taskId, p.eventType);
        }
        return it->second;
    }

private:
    // Appended, so a parent's id is always smaller than its children's, as in a session.
    std::uint32_t addNode(std::uint32_t parent, std::uint32_t frame, std::uint64_t taskId,
                          QString eventType) {
        const auto id = std::uint32_t(m_profile.nodes.size());
        m_profile.nodes.push_back({id, parent, frame, taskId, std::move(eventType), 0});
        return id;
    }

    CpuProfile& m_profile;
    std::map<std::pair<QString, QString>, std::uint32_t> m_frames;
    std::map<std::pair<std::uint64_t, QString>, std::uint32_t> m_roots;
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t> m_children;
};

} // namespace

std::vector<StackTextFrame> parseStackText(const QString& stack) {
    std::vector<StackTextFrame> frames;
    for (const QString& line : stack.split(u'\n', Qt::SkipEmptyParts))
        if (std::optional<StackTextFrame> frame = parseFrame(line))
            frames.push_back(std::move(*frame));
    return frames;
}

CpuProfile blockedStackProfile(const std::vector<SlowCallback>& callbacks,
                               std::optional<std::uint64_t> dispatchSeq, const CpuProfile* modulesFrom) {
    QHash<QString, QString> moduleOf; // by function
    if (modulesFrom)
        for (const CpuFrame& f : modulesFrom->frames)
            if (!f.module.isEmpty())
                moduleOf.insert(f.function, f.module);
    CpuProfile profile;
    profile.intervalNs = kNsPerMs; // one "sample" is one millisecond of blocking
    ProfileBuilder builder(profile);
    for (const SlowCallback& c : callbacks) {
        if (dispatchSeq && c.dispatchSeq != *dispatchSeq)
            continue;
        // Rounded to the nearest millisecond, at least one: every block is seen, however short.
        const auto weight =
            std::uint64_t(std::max<std::int64_t>(1, (c.durationNs + kNsPerMs / 2) / kNsPerMs));
        if (c.taskId != 0 && !c.taskName.isEmpty())
            profile.taskNames[c.taskId] = c.taskName;
        std::uint32_t node = builder.root(c.taskId, c.eventType);
        const std::vector<StackTextFrame> frames = parseStackText(c.stack);
        // The text is innermost first; a profile's paths start at the outermost frame.
        for (auto f = frames.rbegin(); f != frames.rend(); ++f) {
            // An inlined frame and its caller are one PC: one module.
            QString module = f->module;
            if (module.isEmpty())
                module = moduleOf.value(f->function, moduleOf.value(f->inlinedInto));
            if (!f->inlinedInto.isEmpty())
                node = builder.child(
                    node, builder.frame(f->inlinedInto, module, f->inlinedIntoFile, f->inlinedIntoLine));
            const QString function = f->function.startsWith(QLatin1String("0x")) && !module.isEmpty()
                                         ? QStringLiteral("?? [%1]").arg(module)
                                         : f->function;
            node = builder.child(node, builder.frame(function, module, f->file, f->line));
        }
        if (frames.empty())
            node = builder.child(node, builder.frame(QStringLiteral("(no stack captured)"), {}, {}, 0));
        else
            ++profile.counters.stacks;
        profile.nodes[node].selfSamples += weight;
        profile.counters.samples += weight;
    }
    return profile;
}

} // namespace coroscope
