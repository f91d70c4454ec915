#pragma once

#include <QColor>
#include <QString>

class QValueAxis;

namespace coroscope::ui {

/// The colour a series is drawn in, by its name, the same in every chart and every run: p99 is
/// always orange, whichever series were there before it (Qt Charts' theme hands colours out in
/// the order series are added, so they changed from run to run). Unknown names get colours from
/// a fixed list by `fallbackIndex`.
QColor seriesColor(const QString& name, int fallbackIndex = 0);

/// A tick interval of 1, 2 or 5 × 10^k giving about `targetTicks` ticks over `span`.
double niceTickInterval(double span, int targetTicks);

/// Puts an axis on ticks at readable values (0.25 s is labelled "0.25 s", not "0.3 s"): the
/// range is [min, max] widened to whole intervals where `roundUp`, ticks are at multiples of a
/// 1-2-5 interval and the labels carry just the decimals that interval needs, and `unit`.
/// Widened, a live run's time axis changes once per interval rather than with every read: each
/// change relayouts the chart (bench/gui's longest dispatches).
void setNiceTicks(QValueAxis* axis, double min, double max, int targetTicks, const QString& unit,
                  bool roundUp = true);

} // namespace coroscope::ui
