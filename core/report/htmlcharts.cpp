// The HTML report's charts, from the session's time series: inline SVG (report/svgchart.h).
#include "report/flamegraphsvg.h"
#include "report/htmlparts_p.h"
#include "report/htmlsections_p.h"
#include "report/svgchart.h"

#include <algorithm>

namespace coroscope::html {
namespace {

constexpr std::size_t kMetricCharts = 6;
constexpr int kHistogramBins = 32;

// Colour-blind-safe (Okabe-Ito), in the order series are drawn.
const char* const kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                "#CC79A7", "#56B4E9", "#F0E442", "#999999"};

QString colour(std::size_t i) {
    return QString::fromLatin1(kPalette[i % std::size(kPalette)]);
}

double seconds(std::int64_t tNs, const RunInfo& run) {
    return std::max(0.0, double(tNs - run.startNs) / 1e9);
}

/// The time series comes every ~100 ms; a longer silence means a blocked loop or lost batches.
constexpr double kMaxGapSeconds = 0.25;

/// A series from the time series; unknown values (negative) break the line.
template <typename Value>
svg::Series fromTimeSeries(const session::SessionData& data, const QString& name, std::size_t colourIndex,
                           Value value) {
    svg::Series s{name, colour(colourIndex), {}};
    for (const session::TimePoint& p : data.timeSeries) {
        const double v = value(p);
        s.points.push_back({seconds(p.tNs, data.info), v >= 0 ? v : std::nan("")});
    }
    return s;
}

/// Log-spaced bins between the histogram's min and max: latency spans orders of magnitude.
std::vector<svg::Bar> histogramBars(const Histogram& micros) {
    std::vector<svg::Bar> bars;
    if (micros.count() == 0)
        return bars;
    const double lo = std::max<double>(1.0, double(micros.min()));
    const double hi = std::max(lo * 1.0001, double(micros.max()) + 1);
    const double ratio = std::pow(hi / lo, 1.0 / kHistogramBins);
    std::vector<double> counts(kHistogramBins, 0.0);
    for (const Histogram::Bucket& b : micros.nonZeroBuckets()) {
        const double v = std::max(lo, double(Histogram::bucketRepresentativeValue(b.index)));
        const int bin = std::clamp(int(std::log(v / lo) / std::log(ratio)), 0, kHistogramBins - 1);
        counts[std::size_t(bin)] += double(b.count);
    }
    for (int i = 0; i < kHistogramBins; ++i)
        bars.push_back(
            {formatDuration(std::llround(lo * std::pow(ratio, i) * 1000.0)), counts[std::size_t(i)]});
    return bars;
}

} // namespace

QString loopCharts(const session::SessionData& data) {
    if (data.timeSeries.empty())
        return {};
    svg::Chart lag{
        QStringLiteral("Loop lag per 100 ms"), svg::Unit::Nanoseconds, false, {}, 0, {}, kMaxGapSeconds};
    lag.series.push_back(
        fromTimeSeries(data, QStringLiteral("p50"), 0, [](auto& p) { return double(p.lagP50Ns); }));
    lag.series.push_back(
        fromTimeSeries(data, QStringLiteral("p90"), 1, [](auto& p) { return double(p.lagP90Ns); }));
    lag.series.push_back(
        fromTimeSeries(data, QStringLiteral("p99"), 2, [](auto& p) { return double(p.lagP99Ns); }));
    lag.series.push_back(
        fromTimeSeries(data, QStringLiteral("max"), 3, [](auto& p) { return double(p.lagMaxNs); }));
    svg::Chart busy{QStringLiteral("Loop utilization"), svg::Unit::Percent, false, {}, 0, {}, kMaxGapSeconds};
    busy.series.push_back(fromTimeSeries(data, QStringLiteral("busy"), 0, [](auto& p) {
        return p.utilization < 0 ? -1.0 : p.utilization * 100.0;
    }));
    // The probe cannot tick while a callback blocks: shade those spans, or they look like no data.
    for (const SlowCallback& c : data.snapshot.slowCallbacks) {
        const double from = seconds(c.startNs, data.info);
        lag.bands.emplace_back(from, from + double(c.durationNs) / 1e9);
    }
    lag.bandLabel = busy.bandLabel = QStringLiteral("slow callback");
    busy.bands = lag.bands;
    return QStringLiteral("<div class=\"charts\">") + svg::timeChart(lag) + svg::timeChart(busy) +
           QStringLiteral("</div>\n");
}

QString taskCharts(const session::SessionData& data) {
    if (data.timeSeries.empty())
        return {};
    svg::Chart live{QStringLiteral("Unfinished tasks by state"), svg::Unit::Count, true, {}, 0, {}};
    svg::Chart done{QStringLiteral("Finished tasks (cumulative)"), svg::Unit::Count, true, {}, 0, {}};
    for (int state = 0; state < kTaskStateCount; ++state) {
        const auto name = taskStateName(TaskState(state));
        svg::Series s =
            fromTimeSeries(data, QString::fromLatin1(name.data(), qsizetype(name.size())), std::size_t(state),
                           [state](auto& p) { return double(p.tasksByState[std::size_t(state)]); });
        (isFinished(TaskState(state)) ? done : live).series.push_back(std::move(s));
    }
    return QStringLiteral("<div class=\"charts\">") + svg::timeChart(live) + svg::timeChart(done) +
           QStringLiteral("</div>\n");
}

QString latencyCharts(const session::SessionData& data) {
    QString h;
    std::size_t shown = 0;
    for (const LatencyMetric& metric : data.snapshot.latency) {
        if (shown++ == kMetricCharts)
            break;
        const auto series =
            std::find_if(data.metricSeries.begin(), data.metricSeries.end(),
                         [&](const session::MetricSeries& s) { return s.name == metric.name; });
        h += QStringLiteral("<div class=\"charts\">");
        if (series != data.metricSeries.end()) {
            svg::Chart over{QStringLiteral("%1: percentiles per 100 ms").arg(bounded(metric.name, 60)),
                            svg::Unit::Nanoseconds,
                            false,
                            {},
                            0,
                            {},
                            kMaxGapSeconds};
            const std::pair<const char*, std::int64_t session::MetricPoint::*> lines[] = {
                {"p50", &session::MetricPoint::p50Ns},
                {"p90", &session::MetricPoint::p90Ns},
                {"p99", &session::MetricPoint::p99Ns},
                {"max", &session::MetricPoint::maxNs}};
            for (std::size_t i = 0; i < std::size(lines); ++i) {
                svg::Series s{QString::fromLatin1(lines[i].first), colour(i), {}};
                for (const session::MetricPoint& p : series->points)
                    s.points.push_back({seconds(p.tNs, data.info), double(p.*(lines[i].second))});
                over.series.push_back(std::move(s));
            }
            h += svg::timeChart(over);
        }
        h += svg::barChart(QStringLiteral("%1: distribution (%2 values)")
                               .arg(bounded(metric.name, 60), QString::number(metric.micros.count())),
                           histogramBars(metric.micros));
        h += QStringLiteral("</div>\n");
    }
    if (data.snapshot.latency.size() > kMetricCharts)
        h += QStringLiteral("<p class=\"note\">Charts for the first %1 metrics.</p>\n").arg(kMetricCharts);
    return h;
}

QString memoryCharts(const session::SessionData& data) {
    const std::vector<MemorySample>& samples = data.snapshot.memory;
    if (samples.empty())
        return {};
    svg::Chart memory{QStringLiteral("Memory"), svg::Unit::Bytes, false, {}, 0, {}};
    svg::Series rss{QStringLiteral("RSS"), colour(0), {}};
    svg::Series heap{QStringLiteral("heap in use"), colour(1), {}};
    for (const MemorySample& m : samples) {
        if (m.rssBytes >= 0)
            rss.points.push_back({seconds(m.tNanos, data.info), double(m.rssBytes)});
        if (m.heapBytes >= 0)
            heap.points.push_back({seconds(m.tNanos, data.info), double(m.heapBytes)});
    }
    memory.series = {rss, heap};
    return QStringLiteral("<div class=\"charts\">") + svg::timeChart(memory) + QStringLiteral("</div>\n");
}

QString cpuFlameGraph(const CpuProfile& profile) {
    const svg::FlameGraph graph = svg::flameGraph(profile);
    if (graph.svg.isEmpty())
        return {};
    return QStringLiteral("<figure class=\"flame\">") + graph.svg +
           QStringLiteral("</figure>\n<p class=\"note\">Each box is a function, as wide as the samples taken "
                          "while it was on the stack; under it, the functions it called. The first row "
                          "is the tasks (tasks of one name together), widest first; a box wider than "
                          "the boxes under it spent the rest in its own code. Colours stand for "
                          "modules; hover a box for its module, source line and samples.</p>\n");
}

} // namespace coroscope::html
