#include "jsonreportvalidator.h"

#include "model/format.h"
#include "report/jsonreport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>

#include <algorithm>
#include <initializer_list>

namespace coroscope {

namespace {

constexpr const char* kTopLevelKeys[] = {"schema",  "run",  "slow_callbacks", "tasks",
                                         "latency", "loop", "memory",         "diagnostics"};

enum class Kind { Number, String, Bool, Object, Array, NumberOrNull, StringOrNull };

struct Field {
    const char* key;
    Kind kind;
};

using Problem = std::optional<QString>;

// Takes the QStringBuilder expressions below to a QString, which optional<QString> can then hold.
Problem problem(const QString& text) {
    return text;
}

bool matches(const QJsonValue& v, Kind kind) {
    switch (kind) {
    case Kind::Number:
        return v.isDouble(); // Qt 6 reports integers as Double too
    case Kind::String:
        return v.isString();
    case Kind::Bool:
        return v.isBool();
    case Kind::Object:
        return v.isObject();
    case Kind::Array:
        return v.isArray();
    case Kind::NumberOrNull:
        return v.isDouble() || v.isNull();
    case Kind::StringOrNull:
        return v.isString() || v.isNull();
    }
    return false;
}

QString kindName(Kind kind) {
    switch (kind) {
    case Kind::Number:
        return QStringLiteral("a number");
    case Kind::String:
        return QStringLiteral("a string");
    case Kind::Bool:
        return QStringLiteral("true or false");
    case Kind::Object:
        return QStringLiteral("an object");
    case Kind::Array:
        return QStringLiteral("an array");
    case Kind::NumberOrNull:
        return QStringLiteral("a number or null");
    case Kind::StringOrNull:
        return QStringLiteral("a string or null");
    }
    return {};
}

QString describe(const QJsonValue& v) {
    if (v.isDouble())
        return QStringLiteral("a number");
    if (v.isString())
        return QStringLiteral("a string");
    if (v.isBool())
        return QStringLiteral("a boolean");
    if (v.isObject())
        return QStringLiteral("an object");
    if (v.isArray())
        return QStringLiteral("an array");
    if (v.isNull())
        return QStringLiteral("null");
    return QStringLiteral("nothing");
}

QString join(const QString& path, const char* key) {
    return path.isEmpty() ? QString::fromLatin1(key) : path + u'.' + QLatin1String(key);
}

Problem checkValue(const QJsonValue& v, const QString& where, Kind kind) {
    if (matches(v, kind))
        return std::nullopt;
    return problem(where + QStringLiteral(": expected ") + kindName(kind) + QStringLiteral(", got ") +
                   describe(v));
}

Problem checkFields(const QJsonObject& object, const QString& path, std::initializer_list<Field> fields) {
    for (const Field& f : fields) {
        const QString where = join(path, f.key);
        const auto it = object.constFind(QLatin1String(f.key));
        if (it == object.constEnd())
            return problem(where + QStringLiteral(" is missing"));
        if (Problem p = checkValue(*it, where, f.kind))
            return p;
    }
    return std::nullopt;
}

template <typename CheckItem>
Problem checkItems(const QJsonValue& array, const QString& path, CheckItem checkItem) {
    const QJsonArray items = array.toArray();
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QString where = path + u'[' + QString::number(i) + u']';
        if (Problem p = checkValue(items.at(i), where, Kind::Object))
            return p;
        if (Problem p = checkItem(items.at(i).toObject(), where))
            return p;
    }
    return std::nullopt;
}

Problem checkDistribution(const QJsonObject& o, const QString& path) {
    return checkFields(o, path,
                       {{"count", Kind::Number},
                        {"mean_ms", Kind::Number},
                        {"min_ms", Kind::Number},
                        {"p50_ms", Kind::Number},
                        {"p90_ms", Kind::Number},
                        {"p95_ms", Kind::Number},
                        {"p99_ms", Kind::Number},
                        {"p999_ms", Kind::Number},
                        {"max_ms", Kind::Number}});
}

Problem checkRun(const QJsonObject& run) {
    const QString path = QStringLiteral("run");
    if (Problem p = checkFields(run, path,
                                {{"script", Kind::String},
                                 {"status", Kind::String},
                                 {"duration_ms", Kind::Number},
                                 {"slow_threshold_ms", Kind::Number},
                                 {"seed", Kind::Number},
                                 {"params", Kind::Object},
                                 {"coroscope_version", Kind::String},
                                 {"incomplete_data", Kind::Array}}))
        return p;
    const QJsonArray notes = run.value(QLatin1String("incomplete_data")).toArray();
    for (qsizetype i = 0; i < notes.size(); ++i)
        if (Problem p =
                checkValue(notes.at(i), path + QStringLiteral(".incomplete_data[%1]").arg(i), Kind::String))
            return p;
    const QJsonObject params = run.value(QLatin1String("params")).toObject();
    for (auto it = params.constBegin(); it != params.constEnd(); ++it)
        if (Problem p = checkValue(it.value(), path + QStringLiteral(".params.") + it.key(), Kind::String))
            return p;
    return std::nullopt;
}

Problem checkSlowCallback(const QJsonObject& o, const QString& path) {
    if (Problem p = checkFields(o, path,
                                {{"t_ms", Kind::Number},
                                 {"duration_ms", Kind::Number},
                                 {"task", Kind::StringOrNull},
                                 {"task_id", Kind::NumberOrNull},
                                 {"location", Kind::StringOrNull},
                                 {"stack", Kind::Array}}))
        return p;
    const QJsonArray stack = o.value(QLatin1String("stack")).toArray();
    for (qsizetype i = 0; i < stack.size(); ++i)
        if (Problem p = checkValue(stack.at(i), path + QStringLiteral(".stack[") + QString::number(i) + u']',
                                   Kind::String))
            return p;
    return std::nullopt;
}

Problem checkTask(const QJsonObject& o, const QString& path) {
    return checkFields(o, path,
                       {{"id", Kind::Number},
                        {"name", Kind::String},
                        {"parent_id", Kind::NumberOrNull},
                        {"state", Kind::String},
                        {"created_ms", Kind::Number},
                        {"finished_ms", Kind::NumberOrNull},
                        {"busy_ms", Kind::Number},
                        {"idle_ms", Kind::Number},
                        {"sched_ms", Kind::Number},
                        {"resumes", Kind::Number},
                        {"spawn_location", Kind::String},
                        {"awaiting", Kind::StringOrNull},
                        {"error", Kind::StringOrNull},
                        {"alloc_bytes", Kind::Number},
                        {"live_bytes", Kind::Number}});
}

Problem checkSpawnSite(const QJsonObject& site, const QString& path) {
    return checkFields(site, path,
                       {{"location", Kind::StringOrNull},
                        {"spawned", Kind::Number},
                        {"completed", Kind::Number},
                        {"failed", Kind::Number},
                        {"cancelled", Kind::Number},
                        {"live_end", Kind::Number},
                        {"max_live", Kind::Number}});
}

Problem checkAwaitSite(const QJsonObject& site, const QString& path) {
    return checkFields(site, path,
                       {{"location", Kind::StringOrNull},
                        {"awaited", Kind::String},
                        {"count", Kind::Number},
                        {"total_ms", Kind::Number},
                        {"mean_ms", Kind::Number},
                        {"min_ms", Kind::Number},
                        {"p50_ms", Kind::Number},
                        {"p90_ms", Kind::Number},
                        {"p95_ms", Kind::Number},
                        {"p99_ms", Kind::Number},
                        {"p999_ms", Kind::Number},
                        {"max_ms", Kind::Number}});
}

Problem checkTasks(const QJsonObject& tasks) {
    const QString path = QStringLiteral("tasks");
    if (Problem p = checkFields(tasks, path,
                                {{"total", Kind::Number},
                                 {"by_state", Kind::Object},
                                 {"items", Kind::Array},
                                 {"spawn_sites", Kind::Array},
                                 {"await_sites", Kind::Array}}))
        return p;
    if (Problem p = checkItems(tasks.value(QLatin1String("await_sites")),
                               path + QStringLiteral(".await_sites"), checkAwaitSite))
        return p;
    if (Problem p = checkItems(tasks.value(QLatin1String("spawn_sites")),
                               path + QStringLiteral(".spawn_sites"), checkSpawnSite))
        return p;
    const QJsonObject byState = tasks.value(QLatin1String("by_state")).toObject();
    for (int s = 0; s < kTaskStateCount; ++s) {
        const QString where = path + QStringLiteral(".by_state.") + taskStateLabel(TaskState(s));
        if (!byState.contains(taskStateLabel(TaskState(s))))
            return problem(where + QStringLiteral(" is missing"));
        if (Problem p = checkValue(byState.value(taskStateLabel(TaskState(s))), where, Kind::Number))
            return p;
    }
    return checkItems(tasks.value(QLatin1String("items")), path + QStringLiteral(".items"), checkTask);
}

Problem checkLatency(const QJsonObject& o, const QString& path) {
    if (Problem p = checkFields(o, path, {{"name", Kind::String}}))
        return p;
    return checkDistribution(o, path);
}

Problem checkCpuProfile(const QJsonObject& cpu, const QString& path) {
    if (Problem p = checkFields(cpu, path,
                                {{"sampled", Kind::Bool},
                                 {"interval_ms", Kind::Number},
                                 {"samples", Kind::Number},
                                 {"stacks", Kind::Number},
                                 {"dropped_stacks", Kind::Number},
                                 {"over_budget_samples", Kind::Number},
                                 {"by_task", Kind::Array},
                                 {"top_functions", Kind::Array}}))
        return p;
    if (Problem p = checkItems(cpu.value(QLatin1String("by_task")), path + QStringLiteral(".by_task"),
                               [](const QJsonObject& t, const QString& where) {
                                   return checkFields(t, where,
                                                      {{"task", Kind::String},
                                                       {"task_id", Kind::NumberOrNull},
                                                       {"samples", Kind::Number}});
                               }))
        return p;
    return checkItems(cpu.value(QLatin1String("top_functions")), path + QStringLiteral(".top_functions"),
                      [](const QJsonObject& f, const QString& where) {
                          return checkFields(f, where,
                                             {{"function", Kind::String},
                                              {"module", Kind::StringOrNull},
                                              {"file", Kind::StringOrNull},
                                              {"line", Kind::NumberOrNull},
                                              {"self", Kind::Number},
                                              {"total", Kind::Number}});
                      });
}

Problem checkLoop(const QJsonObject& loop) {
    const QString path = QStringLiteral("loop");
    if (Problem p = checkFields(
            loop, path,
            {{"lag", Kind::Object}, {"utilization", Kind::Number}, {"cpu_profile", Kind::Object}}))
        return p;
    if (Problem p = checkCpuProfile(loop.value(QLatin1String("cpu_profile")).toObject(),
                                    path + QStringLiteral(".cpu_profile")))
        return p;
    return checkDistribution(loop.value(QLatin1String("lag")).toObject(), path + QStringLiteral(".lag"));
}

Problem checkTaskMemory(const QJsonObject& o, const QString& path) {
    return checkFields(o, path,
                       {{"task", Kind::String},
                        {"task_id", Kind::Number},
                        {"live_bytes", Kind::Number},
                        {"allocated_bytes", Kind::Number}});
}

Problem checkMemory(const QJsonObject& memory) {
    const QString path = QStringLiteral("memory");
    if (Problem p = checkFields(memory, path,
                                {{"rss_start_bytes", Kind::Number},
                                 {"rss_peak_bytes", Kind::Number},
                                 {"rss_end_bytes", Kind::Number},
                                 {"growth_bytes_per_s", Kind::Number},
                                 {"by_task", Kind::Array}}))
        return p;
    return checkItems(memory.value(QLatin1String("by_task")), path + QStringLiteral(".by_task"),
                      checkTaskMemory);
}

Problem checkDiagnostic(const QJsonObject& o, const QString& path) {
    return checkFields(o, path,
                       {{"rule", Kind::String},
                        {"severity", Kind::String},
                        {"message", Kind::String},
                        {"task", Kind::StringOrNull},
                        {"task_id", Kind::NumberOrNull},
                        {"location", Kind::StringOrNull}});
}

} // namespace

std::optional<QString> validateJsonReport(const QByteArray& json) {
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return problem(QStringLiteral("not valid JSON: ") + error.errorString() +
                       QStringLiteral(" at offset ") + QString::number(error.offset));
    if (!document.isObject())
        return QStringLiteral("the document is not a JSON object");
    const QJsonObject root = document.object();

    // The schema first: a newer report is better named as such than as a list of odd keys.
    if (Problem p = checkFields(root, {}, {{"schema", Kind::String}}))
        return p;
    const QString schema = root.value(QLatin1String("schema")).toString();
    if (schema != QLatin1String(kJsonReportSchema))
        return problem(QStringLiteral("schema is '") + schema + QStringLiteral("', expected '") +
                       QLatin1String(kJsonReportSchema) + u'\'');

    for (const char* key : kTopLevelKeys)
        if (!root.contains(QLatin1String(key)))
            return problem(QStringLiteral("top-level key '") + QLatin1String(key) +
                           QStringLiteral("' is missing"));
    for (auto it = root.constBegin(); it != root.constEnd(); ++it) {
        const bool known = std::any_of(std::begin(kTopLevelKeys), std::end(kTopLevelKeys),
                                       [&](const char* key) { return it.key() == QLatin1String(key); });
        if (!known)
            return problem(QStringLiteral("unexpected top-level key '") + it.key() + QStringLiteral("'"));
    }

    if (Problem p = checkFields(root, {},
                                {{"run", Kind::Object},
                                 {"slow_callbacks", Kind::Array},
                                 {"tasks", Kind::Object},
                                 {"latency", Kind::Array},
                                 {"loop", Kind::Object},
                                 {"memory", Kind::Object},
                                 {"diagnostics", Kind::Array}}))
        return p;
    if (Problem p = checkRun(root.value(QLatin1String("run")).toObject()))
        return p;
    if (Problem p = checkItems(root.value(QLatin1String("slow_callbacks")), QStringLiteral("slow_callbacks"),
                               checkSlowCallback))
        return p;
    if (Problem p = checkTasks(root.value(QLatin1String("tasks")).toObject()))
        return p;
    if (Problem p = checkItems(root.value(QLatin1String("latency")), QStringLiteral("latency"), checkLatency))
        return p;
    if (Problem p = checkLoop(root.value(QLatin1String("loop")).toObject()))
        return p;
    if (Problem p = checkMemory(root.value(QLatin1String("memory")).toObject()))
        return p;
    return checkItems(root.value(QLatin1String("diagnostics")), QStringLiteral("diagnostics"),
                      checkDiagnostic);
}

} // namespace coroscope
