#include "charts/chartstyle.h"

#include <QHash>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace coroscope::ui {

QColor seriesColor(const QString& name, int fallbackIndex) {
    // Percentiles from cool to hot; memory apart from both.
    static const QHash<QString, QColor> kByName{
        {QStringLiteral("p50"), QColor(0x21, 0x96, 0xf3)},
        {QStringLiteral("p90"), QColor(0x2e, 0xa0, 0x43)},
        {QStringLiteral("p99"), QColor(0xf5, 0x8f, 0x00)},
        {QStringLiteral("max"), QColor(0xd3, 0x2f, 0x2f)},
        {QStringLiteral("RSS"), QColor(0x8e, 0x44, 0xad)},
        {QStringLiteral("heap"), QColor(0x00, 0x96, 0x88)},
        {QStringLiteral("busy"), QColor(0x60, 0x7d, 0x8b)},
    };
    static const QColor kFallback[] = {QColor(0x21, 0x96, 0xf3), QColor(0xf5, 0x8f, 0x00),
                                       QColor(0x2e, 0xa0, 0x43), QColor(0xd3, 0x2f, 0x2f),
                                       QColor(0x8e, 0x44, 0xad), QColor(0x00, 0x96, 0x88),
                                       QColor(0x79, 0x55, 0x48), QColor(0xe9, 0x1e, 0x63),
                                       QColor(0x60, 0x7d, 0x8b), QColor(0xcd, 0xdc, 0x39)};
    const auto found = kByName.constFind(name);
    if (found != kByName.constEnd())
        return *found;
    return kFallback[std::size_t(std::max(0, fallbackIndex)) % std::size(kFallback)];
}

double niceTickInterval(double span, int targetTicks) {
    if (!(span > 0) || targetTicks < 1)
        return 1;
    const double raw = span / targetTicks;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double step : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (raw <= step * magnitude * 1.0000001)
            return step * magnitude;
    return 10 * magnitude;
}

void setNiceTicks(QValueAxis* axis, double min, double max, int targetTicks, const QString& unit,
                  bool roundUp) {
    if (!(max > min))
        max = min + 1;
    const double interval = niceTickInterval(max - min, targetTicks);
    if (roundUp)
        max = std::ceil(max / interval - 1e-9) * interval;
    // Each setter relayouts the chart even when nothing changes: a live chart sets them only
    // when the range moved (its longest redraws were here, bench/gui).
    // And in an order that never asks for a tick at each old interval over a new range: a chart
    // going from 0..4 to 0..1 000 000 tasks made a million tick items for a moment (seconds of
    // the GUI thread, bench/gui). A coarser interval goes first, a finer one last.
    const bool coarser = interval > axis->tickInterval();
    if (coarser)
        axis->setTickInterval(interval);
    if (axis->min() != min || axis->max() != max)
        axis->setRange(min, max);
    if (!coarser && axis->tickInterval() != interval)
        axis->setTickInterval(interval);
    if (axis->tickAnchor() != 0)
        axis->setTickAnchor(0);
    if (axis->tickType() != QValueAxis::TicksDynamic)
        axis->setTickType(QValueAxis::TicksDynamic);
    // As many decimals as the interval has: 0.25 needs two, 0.5 one, 20 none.
    int decimals = 0;
    for (double scaled = interval; decimals < 6 && std::abs(scaled - std::round(scaled)) > 1e-6; scaled *= 10)
        ++decimals;
    const QString format = QStringLiteral("%.") + QString::number(decimals) + QStringLiteral("f") +
                           (unit.isEmpty() ? QString() : QStringLiteral(" ") + unit);
    if (axis->labelFormat() != format)
        axis->setLabelFormat(format);
}

} // namespace coroscope::ui
