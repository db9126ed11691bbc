#pragma once
// The comparison figures' drawing: mean curves with bands, grouped bars with whiskers, box plots.
// Each function fills a PlotWidget and sets the CSV behind it.

#include "plots/plot_widget.h"
#include "views/set_names.h"

#include "memloc/compare.h"

#include <QColor>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace memloc::ui {

using ComparisonPtr = std::shared_ptr<const core::Comparison>;

/// What the compared runs call their studied set: their shared names, "studied set" and "rest"
/// when they differ (core::commonFocusNames), label noise when null.
SetNames comparisonNames(const ComparisonPtr& comparison);

/// What the band around a mean shows: the smallest to the largest run, or one sample standard
/// deviation either side.
enum class BandMode { MinMax, StdDev };

/// "min-max over 3 runs" / "+-1 sd over 3 runs": how the band was drawn, for titles and legends.
QString bandText(BandMode mode);
/// The band's lower and upper edge (NaN when the band has no value).
double bandLow(const core::Band& band, BandMode mode);
double bandHigh(const core::Band& band, BandMode mode);
/// "87.2% [85.0, 89.1] (n=3)" with `scale` 100 for fractions, 1 for counts.
QString bandSummary(const core::Band& band, double scale, const QString& unit);

/// Which per-epoch accuracy a curves figure shows.
enum class CurveMetric { Memorized, Clean, Test };

/// One line per condition (its mean over the runs) with a translucent band, accuracy in percent.
void drawConditionCurves(PlotWidget* plot, const ComparisonPtr& comparison, CurveMetric metric, BandMode mode);

/// Bars grouped by category, one bar per series with a whisker for its band. values[s][c] is
/// series s at category c (NaN: no bar). `scale` multiplies every value (100 for percent).
struct BarChart {
    QStringList categories;
    QStringList series;
    std::vector<std::vector<core::Band>> values;
    QString valueLabel;  ///< the value axis, e.g. "memorized accuracy (%)"
    double scale = 100;
    std::vector<QColor> colours;  ///< per series; empty: the condition palette (seriesColour)
};
void drawGroupedBars(PlotWidget* plot, const BarChart& chart, BandMode mode);

/// Box plots of the units needed to flip an example, per condition: memorized (noisy) and clean
/// side by side, pooled over the condition's runs.
void drawUnitsToFlip(PlotWidget* plot, const ComparisonPtr& comparison);

} // namespace memloc::ui
