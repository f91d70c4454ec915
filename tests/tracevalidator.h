#pragma once

// Checks a Chrome Trace Event JSON file against the rules of the format that Perfetto and
// chrome://tracing rely on: required fields per phase, µs timestamps, X slices nested per thread,
// async b/e pairs, flows that pair up and bind to a slice, numeric counters, named processes and
// threads. Independent of the exporter: it only reads the JSON.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace coroscope::test {

struct TraceCheck {
    QStringList errors;
    QJsonArray events;

    /// Events of phase `ph` (and category `cat`, if given).
    qsizetype count(const char* ph, const char* cat = nullptr) const {
        return std::count_if(events.begin(), events.end(), [&](const QJsonValue& v) {
            const QJsonObject e = v.toObject();
            return e.value(QLatin1String("ph")).toString() == QLatin1String(ph) &&
                   (!cat || e.value(QLatin1String("cat")).toString() == QLatin1String(cat));
        });
    }
    /// The events of phase `ph` (and category `cat`), in file order.
    std::vector<QJsonObject> all(const char* ph, const char* cat = nullptr) const {
        std::vector<QJsonObject> out;
        for (const QJsonValue& v : events) {
            const QJsonObject e = v.toObject();
            if (e.value(QLatin1String("ph")).toString() == QLatin1String(ph) &&
                (!cat || e.value(QLatin1String("cat")).toString() == QLatin1String(cat)))
                out.push_back(e);
        }
        return out;
    }
};

/// µs (as the file has them) to integer ns, as Perfetto converts them.
inline qint64 traceNs(double micros) {
    return std::llround(micros * 1000.0);
}

inline TraceCheck checkTrace(const QByteArray& bytes) {
    TraceCheck r;
    QJsonParseError parse{};
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &parse);
    if (parse.error != QJsonParseError::NoError) {
        r.errors << QStringLiteral("not JSON: %1 at byte %2").arg(parse.errorString()).arg(parse.offset);
        return r;
    }
    if (doc.isObject() && doc.object().value(QLatin1String("traceEvents")).isArray())
        r.events = doc.object().value(QLatin1String("traceEvents")).toArray();
    else if (doc.isArray())
        r.events = doc.array();
    else
        r.errors << QStringLiteral("neither {\"traceEvents\": [...]} nor an array");

    using Thread = std::pair<qint64, qint64>;
    struct Slice {
        qint64 start;
        qint64 end;
    };
    struct FlowPoint {
        Thread thread;
        qint64 ts;
        int index;
    };
    struct Flow {
        std::vector<FlowPoint> starts, ends;
    };
    std::map<Thread, std::vector<Slice>> slices;
    std::map<QString, std::vector<qint64>> openAsync; // cat/id/name → begin times
    std::map<QString, Flow> flows;
    std::set<qint64> pidsNamed, pidsUsed;
    std::set<Thread> threadsNamed, threadsUsed;
    const auto isInteger = [](const QJsonValue& v) {
        return v.isDouble() && std::isfinite(v.toDouble()) && v.toDouble() == std::floor(v.toDouble());
    };
    for (qsizetype i = 0; i < r.events.size(); ++i) {
        const auto fail = [&](const QString& what) {
            r.errors << QStringLiteral("event %1: %2").arg(i).arg(what);
        };
        if (!r.events[i].isObject()) {
            fail(QStringLiteral("not an object"));
            continue;
        }
        const QJsonObject e = r.events[i].toObject();
        const QString ph = e.value(QLatin1String("ph")).toString();
        if (ph.size() != 1 || !QStringLiteral("BEXibnestfCM").contains(ph)) {
            fail(QStringLiteral("unknown ph '%1'").arg(ph));
            continue;
        }
        const char p = ph.at(0).toLatin1();
        if (!e.value(QLatin1String("name")).isString())
            fail(QStringLiteral("%1 without a name").arg(ph));
        if (!isInteger(e.value(QLatin1String("pid"))))
            fail(QStringLiteral("%1 without an integer pid").arg(ph));
        const bool threadScoped =
            QByteArrayView("BEXistfC").contains(p) ||
            (p == 'M' && e.value(QLatin1String("name")).toString().startsWith(u"thread_"));
        if (threadScoped && !isInteger(e.value(QLatin1String("tid"))))
            fail(QStringLiteral("%1 without an integer tid").arg(ph));
        const QJsonValue ts = e.value(QLatin1String("ts"));
        if (p != 'M' && !(ts.isDouble() && std::isfinite(ts.toDouble()) && ts.toDouble() >= 0))
            fail(QStringLiteral("%1 without a numeric ts >= 0").arg(ph));
        const Thread thread{qint64(e.value(QLatin1String("pid")).toDouble()),
                            qint64(e.value(QLatin1String("tid")).toDouble())};
        const qint64 at = traceNs(ts.toDouble());
        if (p != 'M') {
            pidsUsed.insert(thread.first);
            if (threadScoped)
                threadsUsed.insert(thread);
        }
        const bool hasId = e.value(QLatin1String("id")).isString() || isInteger(e.value(QLatin1String("id")));
        const QString key = e.value(QLatin1String("cat")).toString() + u'\x1f' +
                            e.value(QLatin1String("id")).toVariant().toString() + u'\x1f' +
                            e.value(QLatin1String("name")).toString();
        if (QByteArrayView("bestf").contains(p) && (!e.value(QLatin1String("cat")).isString() || !hasId))
            fail(QStringLiteral("%1 needs a cat and an id").arg(ph));
        switch (p) {
        case 'X': {
            const QJsonValue dur = e.value(QLatin1String("dur"));
            if (!(dur.isDouble() && std::isfinite(dur.toDouble()) && dur.toDouble() >= 0))
                fail(QStringLiteral("X without a numeric dur >= 0"));
            slices[thread].push_back({at, at + traceNs(dur.toDouble())});
            break;
        }
        case 'b':
            openAsync[key].push_back(at);
            break;
        case 'e':
            if (openAsync[key].empty())
                fail(QStringLiteral("e without an open b (%1)").arg(key));
            else if (at < openAsync[key].back())
                fail(QStringLiteral("e before its b (%1)").arg(key));
            if (!openAsync[key].empty())
                openAsync[key].pop_back();
            break;
        case 's':
        case 'f':
            (p == 's' ? flows[key].starts : flows[key].ends).push_back({thread, at, int(i)});
            if (p == 'f' && e.value(QLatin1String("bp")).toString() != QLatin1String("e"))
                fail(QStringLiteral("f should bind to its enclosing slice (bp: e)"));
            break;
        case 'C': {
            const QJsonObject args = e.value(QLatin1String("args")).toObject();
            if (args.isEmpty())
                fail(QStringLiteral("C without args"));
            for (auto it = args.begin(); it != args.end(); ++it)
                if (!it.value().isDouble() || !std::isfinite(it.value().toDouble()))
                    fail(QStringLiteral("C arg %1 is not a number").arg(it.key()));
            break;
        }
        case 'M': {
            const QString name = e.value(QLatin1String("name")).toString();
            const QString value =
                e.value(QLatin1String("args")).toObject().value(QLatin1String("name")).toString();
            if (name.endsWith(u"_name") && value.isEmpty())
                fail(QStringLiteral("%1 without args.name").arg(name));
            if (name == QLatin1String("process_name"))
                pidsNamed.insert(thread.first);
            if (name == QLatin1String("thread_name"))
                threadsNamed.insert(thread);
            break;
        }
        default:
            break;
        }
    }
    for (const auto& [key, begins] : openAsync)
        if (!begins.empty())
            r.errors << QStringLiteral("%1 b without an e (%2)").arg(begins.size()).arg(key);
    // X slices of one thread: each one wholly inside the one it starts in, never across its end.
    for (auto& [thread, list] : slices) {
        std::sort(list.begin(), list.end(), [](const Slice& a, const Slice& b) {
            return a.start != b.start ? a.start < b.start : a.end > b.end;
        });
        std::vector<Slice> stack;
        for (const Slice& s : list) {
            while (!stack.empty() && stack.back().end <= s.start)
                stack.pop_back();
            if (!stack.empty() && s.end > stack.back().end)
                r.errors << QStringLiteral("tid %1: slice [%2, %3] ns overlaps [%4, %5] partially")
                                .arg(thread.second)
                                .arg(s.start)
                                .arg(s.end)
                                .arg(stack.back().start)
                                .arg(stack.back().end);
            stack.push_back(s);
        }
    }
    // A flow: one start, one end, not earlier; both inside a slice of their thread, which is
    // what both viewers bind them to.
    const auto enclosed = [&](const FlowPoint& p) {
        const auto& list = slices[p.thread];
        return std::any_of(list.begin(), list.end(),
                           [&](const Slice& s) { return s.start <= p.ts && p.ts <= s.end; });
    };
    for (const auto& [key, flow] : flows) {
        if (flow.starts.size() != 1 || flow.ends.size() != 1) {
            r.errors << QStringLiteral("flow %1: %2 s and %3 f")
                            .arg(key)
                            .arg(flow.starts.size())
                            .arg(flow.ends.size());
            continue;
        }
        if (flow.ends[0].ts < flow.starts[0].ts)
            r.errors << QStringLiteral("flow %1 ends before it starts").arg(key);
        for (const FlowPoint& p : {flow.starts[0], flow.ends[0]})
            if (!enclosed(p))
                r.errors
                    << QStringLiteral("event %1: flow %2 is in no slice of its thread").arg(p.index).arg(key);
    }
    for (const qint64 pid : pidsUsed)
        if (!pidsNamed.count(pid))
            r.errors << QStringLiteral("pid %1 has no process_name").arg(pid);
    for (const Thread& t : threadsUsed)
        if (!threadsNamed.count(t))
            r.errors << QStringLiteral("tid %1 has no thread_name").arg(t.second);
    return r;
}

} // namespace coroscope::test
