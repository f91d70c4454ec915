#include "report/chrometrace.h"

#include "report/jsonstream.h"
#include "session/sessionschema.h"
#include "session/sqlite.h"

#include <QBuffer>
#include <QIODevice>

#include <algorithm>
#include <string_view>
#include <vector>

namespace coroscope {
namespace {

// One process; the loop thread holds the resume segments. Slow callbacks get a track of their
// own: a slow callback's duration leaves out time a nested event loop slept inside it, so the
// segments it contains can end past it, which on one thread would break the nesting.
constexpr int kPid = 1;
constexpr int kLoopTid = 1;
constexpr int kSlowTid = 2;
// The CPU profile's timed samples: a track of their own, as the slow callbacks have, since a
// sample's slice spans CPU time and not the dispatch it fell in.
constexpr int kCpuTid = 3;
constexpr std::size_t kMaxCpuSlices = 500'000;
// Names, locations and stacks come from scripts and from session files of unknown origin: every
// string is bounded here too, whatever the collector already did.
constexpr qsizetype kMaxNameChars = 256;
constexpr qsizetype kMaxTextChars = 4096;
constexpr int kMaxFrames = 256;

/// An open `X` slice on one thread: a later slice must end inside it or after its end.
struct Open {
    std::int64_t startNs;
    std::int64_t endNs;
};

/// Keeps `X` slices of one thread properly nested: a slice that starts inside the innermost open
/// one but would end after it is clamped to its end (a single thread cannot run two things at
/// once; a few ns of clock skew between the timestamps of nested segments can say otherwise).
/// Returns how many ns were cut off.
std::int64_t nest(std::vector<Open>& stack, std::int64_t startNs, std::int64_t& endNs) {
    while (!stack.empty() && stack.back().endNs <= startNs)
        stack.pop_back();
    std::int64_t clamped = 0;
    if (!stack.empty() && endNs > stack.back().endNs) {
        clamped = endNs - stack.back().endNs;
        endNs = stack.back().endNs;
    }
    stack.push_back({startNs, endNs});
    return clamped;
}

class ChromeTrace {
public:
    ChromeTrace(const session::SessionData& data, QIODevice& device)
        : m_data(data)
        , m_out(device)
        , m_originNs(data.info.startNs) {
        m_names.reserve(data.snapshot.tasks.size());
        for (const TaskInfo& t : data.snapshot.tasks)
            m_names.push_back(
                jsonQuoted(t.name.isEmpty() ? QStringLiteral("task #%1").arg(t.id) : t.name, kMaxNameChars));
    }

    bool write() {
        m_out.raw("{\"traceEvents\":[\n");
        writeMetadata();
        writeTasks();
        writeSlowCallbacks();
        writeCounters();
        writeCpuSamples();
        if (!m_data.path.isEmpty())
            writeSegments();
        // No displayTimeUnit: chrome://tracing only displays with it, but some Perfetto versions
        // took "ns" there as the unit of every ts. Without it, ts is µs for every reader.
        m_out.raw("\n],\"otherData\":{\"generator\":");
        m_out.text(QString(QStringLiteral("coroscope ") + m_data.info.coroscopeVersion), kMaxNameChars);
        m_out.raw(",\"script\":").text(m_data.info.script, kMaxTextChars);
        m_out.raw(",\"status\":").text(runStatusName(m_data.info.status), kMaxNameChars);
        m_out.raw(",\"started_at\":").text(m_data.startedAt, kMaxNameChars);
        m_out.raw(",\"segments_dropped\":").integer(std::int64_t(m_data.snapshot.drops.segments));
        m_out.raw(",\"segments_included\":").raw(m_data.path.isEmpty() ? "false" : "true");
        m_out.raw(",\"cpu_sample_slices_left_out\":").integer(qint64(m_cpuSlicesLeftOut));
        m_out.raw("}}\n");
        return m_out.finish();
    }

private:
    /// Opens an event: {"ph":…,"cat":…,"name":…,"pid":…,"tid":…,"ts":… — the caller adds the rest
    /// and closes it. `name` is already quoted.
    JsonStream& event(std::string_view ph, std::string_view cat, const QByteArray& name, int tid,
                      std::int64_t tNs) {
        m_out.raw(m_first ? "{\"ph\":\"" : ",\n{\"ph\":\"").raw(ph).raw("\",\"cat\":\"").raw(cat);
        m_first = false;
        m_out.raw("\",\"name\":").raw(name).raw(",\"pid\":").integer(kPid).raw(",\"tid\":").integer(tid);
        // Before the run start (a task made while the script loaded): at 0. Monotonic, so order
        // and nesting survive.
        return m_out.raw(",\"ts\":").micros(std::max<std::int64_t>(0, tNs - m_originNs));
    }

    void writeMetadata() {
        const auto name = [this](std::string_view which, int tid, const QString& value) {
            event("M", "__metadata", QByteArray(which.data(), qsizetype(which.size())), tid, m_originNs)
                .raw(",\"args\":{\"name\":")
                .text(value, kMaxNameChars)
                .raw("}}");
        };
        const QString script = m_data.info.script.section(QLatin1Char('/'), -1);
        name("\"process_name\"", kLoopTid, QString(QStringLiteral("coroscope: ") + script));
        name("\"thread_name\"", kLoopTid, QStringLiteral("event loop"));
        name("\"thread_name\"", kSlowTid, QStringLiteral("slow callbacks"));
        if (!m_data.cpuProfile.samples.empty())
            name("\"thread_name\"", kCpuTid, QStringLiteral("CPU samples (event loop thread)"));
    }

    /// Each task an async slice from creation to its end, on a track of its own (id = task id).
    void writeTasks() {
        const std::int64_t runEndNs = m_data.info.startNs + std::max<std::int64_t>(0, m_data.info.durationNs);
        for (std::size_t i = 0; i < m_data.snapshot.tasks.size(); ++i) {
            const TaskInfo& t = m_data.snapshot.tasks[i];
            event("b", "task", m_names[i], kLoopTid, t.createdNs).raw(",\"id\":").integer(qint64(t.id));
            m_out.raw(",\"args\":{\"task\":")
                .integer(qint64(t.id))
                .raw(",\"parent\":")
                .integer(qint64(t.parentId));
            m_out.raw(",\"spawned_at\":").text(t.spawnLocation, kMaxTextChars).raw("}}");
            // Unfinished tasks end with the run, so every b has its e.
            const bool finished = t.finishedNs >= 0;
            const std::int64_t endNs = std::max(t.createdNs, finished ? t.finishedNs : runEndNs);
            event("e", "task", m_names[i], kLoopTid, endNs).raw(",\"id\":").integer(qint64(t.id));
            const std::string_view state = taskStateName(t.state);
            m_out.raw(",\"args\":{\"state\":\"").raw(state).raw("\",\"resumes\":").integer(t.resumes);
            m_out.raw(",\"busy_us\":").micros(std::max<std::int64_t>(0, t.busyNs));
            if (!finished)
                m_out.raw(",\"unfinished\":true");
            if (!t.awaiting.isEmpty() && !finished)
                m_out.raw(",\"awaiting\":").text(t.awaiting, kMaxTextChars);
            if (!t.error.isEmpty())
                m_out.raw(",\"error\":").text(t.error, kMaxTextChars);
            m_out.raw("}}");
        }
    }

    void writeSlowCallbacks() {
        std::vector<const SlowCallback*> byStart;
        for (const SlowCallback& c : m_data.snapshot.slowCallbacks)
            byStart.push_back(&c);
        std::stable_sort(byStart.begin(), byStart.end(), [](const SlowCallback* a, const SlowCallback* b) {
            return a->startNs != b->startNs ? a->startNs < b->startNs : a->durationNs > b->durationNs;
        });
        std::vector<Open> stack;
        const QByteArray name = jsonQuoted(u"slow callback", kMaxNameChars);
        for (const SlowCallback* c : byStart) {
            // Clamped before nesting: the file's ts are clamped to the run start too.
            const std::int64_t startNs = std::max(c->startNs, m_originNs);
            std::int64_t endNs = std::max(startNs, c->startNs + c->durationNs);
            const std::int64_t clamped = nest(stack, startNs, endNs);
            event("X", "slow_callback", name, kSlowTid, startNs).raw(",\"dur\":").micros(endNs - startNs);
            m_out.raw(",\"args\":{\"task\":").text(c->taskName, kMaxNameChars);
            m_out.raw(",\"task_id\":").integer(qint64(c->taskId));
            m_out.raw(",\"location\":").text(c->location, kMaxTextChars);
            m_out.raw(",\"receiver\":").text(c->receiverClass, kMaxNameChars);
            m_out.raw(",\"event\":").text(c->eventType, kMaxNameChars);
            if (c->ongoing)
                m_out.raw(",\"ongoing\":true");
            if (clamped)
                m_out.raw(",\"clamped_ns\":").integer(clamped);
            // One string per frame: both viewers show an array of strings as a list.
            m_out.raw(",\"stack\":[");
            const QList<QStringView> frames = QStringView(c->stack).split(u'\n', Qt::SkipEmptyParts);
            for (qsizetype f = 0; f < frames.size() && f < kMaxFrames; ++f)
                m_out.raw(f ? "," : "").text(frames[f].trimmed(), kMaxTextChars);
            if (frames.size() > kMaxFrames)
                m_out.raw(",").text(QStringLiteral("… %1 more frames").arg(frames.size() - kMaxFrames), 64);
            m_out.raw("]}}");
        }
    }

    /// One counter event per series point: the viewers draw each args key as a line.
    void writeCounters() {
        constexpr double kMiB = 1024.0 * 1024.0;
        for (const session::TimePoint& p : m_data.timeSeries) {
            if (p.rssBytes >= 0)
                counter("RSS (MiB)", p.tNs).raw("{\"rss\":").real(double(p.rssBytes) / kMiB).raw("}}");
            if (p.heapBytes >= 0)
                counter("heap (MiB)", p.tNs).raw("{\"heap\":").real(double(p.heapBytes) / kMiB).raw("}}");
            if (p.lagP99Ns >= 0)
                counter("loop lag p99 (ms)", p.tNs).raw("{\"p99\":").real(double(p.lagP99Ns) / 1e6).raw("}}");
            // Live and finished apart: stacked in chrome://tracing, the ever-growing finished
            // counts would flatten the live ones.
            states("tasks alive", p, TaskState::Created, TaskState::Suspended);
            states("tasks finished", p, TaskState::Completed, TaskState::Cancelled);
        }
    }

    JsonStream& counter(std::string_view name, std::int64_t tNs) {
        QByteArray quotedName = "\"";
        quotedName.append(name.data(), qsizetype(name.size())).append('"');
        return event("C", "counter", quotedName, kLoopTid, tNs).raw(",\"args\":");
    }

    void states(std::string_view name, const session::TimePoint& p, TaskState first, TaskState last) {
        JsonStream& out = counter(name, p.tNs);
        for (int s = int(first); s <= int(last); ++s)
            out.raw(s == int(first) ? "{\"" : ",\"")
                .raw(taskStateName(TaskState(s)))
                .raw("\":")
                .integer(qint64(p.tasksByState[std::size_t(s)]));
        out.raw("}}");
    }

    /// Each run of samples in one function (one calling-context node) one X slice: from the CPU
    /// time its first sample stands for to the last sample, named after the innermost function.
    void writeCpuSamples() {
        const CpuProfile& p = m_data.cpuProfile;
        std::int64_t previousEnd = 0;
        std::size_t slices = 0;
        for (std::size_t i = 0; i < p.samples.size();) {
            const CpuSample& first = p.samples[i];
            std::uint64_t weight = 0;
            std::size_t j = i;
            for (; j < p.samples.size() && p.samples[j].node == first.node; ++j)
                weight += p.samples[j].weight;
            const std::int64_t endNs = std::max(p.samples[j - 1].tNs, m_originNs);
            // Not before the previous slice's end, nor before the run's start (the file has no time
            // before it: a slice reaching back would be drawn from 0 with all its length).
            const std::int64_t startNs = std::clamp(first.tNs - std::int64_t(first.weight) * p.intervalNs,
                                                    std::max(previousEnd, m_originNs), endNs);
            i = j;
            if (slices++ >= kMaxCpuSlices) {
                ++m_cpuSlicesLeftOut;
                continue;
            }
            previousEnd = endNs;
            const CpuNode& node = p.nodes[first.node];
            const QString function = node.frame ? p.frames[node.frame].function : p.taskLabel(node.taskId);
            event("X", "cpu_sample", jsonQuoted(function, kMaxNameChars), kCpuTid, startNs)
                .raw(",\"dur\":")
                .micros(endNs - startNs);
            m_out.raw(",\"args\":{\"task\":").text(p.taskLabel(node.taskId), kMaxNameChars);
            m_out.raw(",\"samples\":").integer(qint64(weight));
            if (node.frame)
                m_out.raw(",\"module\":").text(p.frames[node.frame].module, kMaxNameChars);
            m_out.raw("}}");
        }
    }

    void writeSegments();

    const session::SessionData& m_data;
    std::uint64_t m_cpuSlicesLeftOut = 0;
    JsonStream m_out;
    const std::int64_t m_originNs;
    std::vector<QByteArray> m_names; ///< quoted, by index in snapshot.tasks
    bool m_first = true;
};

/// Resume segments from the session file, in start order, as X slices on the loop thread; and the
/// flow from each task's spawn to its first resume. Both viewers bind a flow start to the slice
/// open on its thread at that time, so a flow is drawn only for a task spawned inside a segment
/// (in its parent's code): one spawned from a plain callback has no slice to start from.
void ChromeTrace::writeSegments() {
    const std::vector<TaskInfo>& tasks = m_data.snapshot.tasks;
    const auto indexOf = [&](std::uint64_t id) -> std::ptrdiff_t {
        const auto it = std::lower_bound(tasks.begin(), tasks.end(), id,
                                         [](const TaskInfo& t, std::uint64_t v) { return t.id < v; });
        return it != tasks.end() && it->id == id ? it - tasks.begin() : -1;
    };
    std::vector<std::uint32_t> bySpawn(tasks.size());
    for (std::size_t i = 0; i < tasks.size(); ++i)
        bySpawn[i] = std::uint32_t(i);
    std::stable_sort(bySpawn.begin(), bySpawn.end(), [&](std::uint32_t a, std::uint32_t b) {
        return tasks[a].createdNs < tasks[b].createdNs;
    });
    enum : std::uint8_t { kSpawnInside = 1, kResumed = 2 };
    std::vector<std::uint8_t> flags(tasks.size(), 0);
    std::size_t nextSpawn = 0;
    std::vector<Open> stack;
    const QByteArray flowName = jsonQuoted(u"spawn", kMaxNameChars);

    session::Database db(m_data.path, session::Database::Mode::ReadOnly);
    session::checkSchema(db);
    // Ties: the longer first, so a segment that starts with its parent nests inside it.
    session::Statement s =
        db.prepare("SELECT task_id, start_ns, end_ns, ready_ns FROM segments ORDER BY start_ns, end_ns DESC");
    while (s.step()) {
        const auto taskId = std::uint64_t(s.integer(0));
        const std::int64_t startNs = std::max(s.integer(1), m_originNs);
        std::int64_t endNs = std::max(s.integer(2), startNs);
        const std::int64_t readyNs = s.integer(3);
        // Spawns up to this start: inside a segment when one is open at that moment.
        for (; nextSpawn < bySpawn.size(); ++nextSpawn) {
            const std::uint32_t i = bySpawn[nextSpawn];
            const std::int64_t createdNs = std::max(tasks[i].createdNs, m_originNs);
            if (createdNs > startNs)
                break;
            while (!stack.empty() && stack.back().endNs <= createdNs)
                stack.pop_back();
            if (!stack.empty())
                flags[i] |= kSpawnInside;
        }
        const std::int64_t clamped = nest(stack, startNs, endNs);
        const std::ptrdiff_t i = indexOf(taskId);
        const QByteArray name = i >= 0 ? m_names[std::size_t(i)]
                                       : jsonQuoted(QStringLiteral("task #%1").arg(taskId), kMaxNameChars);
        event("X", "segment", name, kLoopTid, startNs).raw(",\"dur\":").micros(endNs - startNs);
        m_out.raw(",\"args\":{\"task\":").integer(qint64(taskId));
        if (readyNs > 0 && readyNs < startNs)
            m_out.raw(",\"sched_delay_us\":").micros(startNs - std::max(readyNs, m_originNs));
        if (clamped)
            m_out.raw(",\"clamped_ns\":").integer(clamped);
        m_out.raw("}}");
        if (i < 0 || (flags[std::size_t(i)] & kResumed))
            continue;
        flags[std::size_t(i)] |= kResumed;
        const TaskInfo& t = tasks[std::size_t(i)];
        if (!(flags[std::size_t(i)] & kSpawnInside))
            continue;
        // Written right after the slice it ends in, before any slice nested in it at the same ts.
        event("s", "spawn", flowName, kLoopTid, t.createdNs).raw(",\"id\":").integer(qint64(t.id)).raw("}");
        event("f", "spawn", flowName, kLoopTid, startNs)
            .raw(",\"bp\":\"e\",\"id\":")
            .integer(qint64(t.id))
            .raw("}");
    }
}

} // namespace

bool writeChromeTrace(const session::SessionData& data, QIODevice& out) {
    try {
        return ChromeTrace(data, out).write();
    } catch (const session::SqliteError& e) {
        throw session::SessionError(
            QString(QStringLiteral("cannot read the segments: ") + QString::fromUtf8(e.what()))
                .toStdString());
    }
}

QByteArray toChromeTrace(const session::SessionData& data) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    writeChromeTrace(data, buffer);
    return bytes;
}

} // namespace coroscope
