#include "compare/compare_charts.h"

#include "plots/color_maps.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace memloc::ui {

namespace {
using core::Band;
using core::Condition;

const char* kMetricNames[] = {QT_TRANSLATE_NOOP("CompareCharts", "memorized (noisy, given label)"),
                              QT_TRANSLATE_NOOP("CompareCharts", "clean"), QT_TRANSLATE_NOOP("CompareCharts", "test")};
const SetPart kMetricParts[] = {SetPart::SetGiven, SetPart::Rest, SetPart::None};
const char* kMetricCsv[] = {"memorized", "clean", "test"};

QString tr(const char* text) { return QCoreApplication::translate("CompareCharts", text); }

const std::vector<Band>& curveOf(const Condition& c, CurveMetric metric) {
    switch (metric) {
    case CurveMetric::Memorized: return c.memorized;
    case CurveMetric::Clean: return c.clean;
    case CurveMetric::Test: break;
    }
    return c.test;
}

/// Quantile q of sorted values, linear between neighbours (numpy's default).
double quantile(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return std::nan("");
    const double at = q * static_cast<double>(sorted.size() - 1);
    const auto below = static_cast<std::size_t>(std::floor(at));
    const std::size_t above = std::min(below + 1, sorted.size() - 1);
    return sorted[below] + (at - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

QSharedPointer<QCPAxisTickerText> textTicker(const QStringList& labels) {
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    // "dropout none, noise 0.1" on two lines, so neighbouring labels do not overlap.
    for (int i = 0; i < labels.size(); ++i) ticker->addTick(i, QString(labels[i]).replace(QStringLiteral(", "), QStringLiteral("\n")));
    return ticker;
}

QColor translucent(QColor colour, int alpha) {
    colour.setAlpha(alpha);
    return colour;
}
} // namespace

SetNames comparisonNames(const ComparisonPtr& comparison) {
    return comparison ? SetNames(core::commonFocusNames(*comparison)) : SetNames();
}

QString bandText(BandMode mode) {
    return mode == BandMode::MinMax ? tr("band: min-max over the seeds") : tr("band: mean +- 1 sd over the seeds");
}

double bandLow(const Band& band, BandMode mode) { return mode == BandMode::MinMax ? band.min : band.mean - band.sd; }

double bandHigh(const Band& band, BandMode mode) { return mode == BandMode::MinMax ? band.max : band.mean + band.sd; }

QString bandSummary(const Band& band, double scale, const QString& unit) {
    if (band.n == 0) return tr("n/a");
    const int digits = scale == 100 ? 1 : 2;
    return QStringLiteral("%1%2 [%3, %4] (sd %5, n=%6)")
        .arg(band.mean * scale, 0, 'f', digits)
        .arg(unit)
        .arg(band.min * scale, 0, 'f', digits)
        .arg(band.max * scale, 0, 'f', digits)
        .arg(band.sd * scale, 0, 'f', digits)
        .arg(band.n);
}

void drawConditionCurves(PlotWidget* plot, const ComparisonPtr& comparison, CurveMetric metric, BandMode mode) {
    QCustomPlot* p = plot->plot();
    p->clearGraphs();
    p->xAxis->setLabel(tr("epoch"));
    p->xAxis->setTicker(integerTicker());
    p->yAxis->setLabel(tr("accuracy (%)"));
    p->yAxis->setRange(0, 101);
    const int m = static_cast<int>(metric);
    plot->setTitle(tr("%1 accuracy per epoch (%2)")
                       .arg(comparisonNames(comparison).label(kMetricParts[m], tr(kMetricNames[m])), bandText(mode)));
    double lastEpoch = 1;
    if (comparison)
        for (std::size_t i = 0; i < comparison->conditions.size(); ++i) {
            const Condition& c = comparison->conditions[i];
            const std::vector<Band>& bands = curveOf(c, metric);
            const QColor colour = seriesColour(int(i));
            QVector<double> keys, mean, low, high;
            for (std::size_t e = 0; e < bands.size(); ++e) {
                keys << double(e);
                mean << bands[e].mean * 100;
                low << bandLow(bands[e], mode) * 100;
                high << bandHigh(bands[e], mode) * 100;
            }
            lastEpoch = std::max(lastEpoch, double(bands.size()) - 1);
            QCPGraph* upper = p->addGraph();
            upper->setPen(Qt::NoPen);
            upper->setData(keys, high, true);
            upper->removeFromLegend();
            QCPGraph* lower = p->addGraph();
            lower->setPen(Qt::NoPen);
            lower->setData(keys, low, true);
            lower->setBrush(translucent(colour, 50));
            lower->setChannelFillGraph(upper);
            lower->removeFromLegend();
            QCPGraph* line = p->addGraph();
            line->setName(QStringLiteral("%1 (n=%2)").arg(QString::fromStdString(c.label)).arg(c.runs.size()));
            line->setPen(QPen(colour, 2));
            line->setData(keys, mean, true);
        }
    p->xAxis->setRange(-0.3, lastEpoch + 0.3);
    p->replot();

    plot->setCsvSource([comparison, metric] {
        CsvTable table;
        table.header << QStringLiteral("condition") << QStringLiteral("epoch") << QStringLiteral("runs");
        const QString name = QString::fromLatin1(kMetricCsv[static_cast<int>(metric)]);
        for (const char* stat : {"mean", "min", "max", "sd"}) table.header << name + QLatin1Char('_') + QLatin1String(stat);
        if (!comparison) return table;
        for (const Condition& c : comparison->conditions) {
            const std::vector<Band>& bands = curveOf(c, metric);
            for (std::size_t e = 0; e < bands.size(); ++e)
                table.rows << QStringList{QString::fromStdString(c.name), QString::number(e), QString::number(bands[e].n),
                                          CsvTable::number(bands[e].mean), CsvTable::number(bands[e].min),
                                          CsvTable::number(bands[e].max), CsvTable::number(bands[e].sd)};
        }
        return table;
    });
    plot->setToolTipSource([plot, comparison, metric](const QPointF& pixel) -> QString {
        QCustomPlot* q = plot->plot();
        if (!comparison || !q->axisRect()->rect().contains(pixel.toPoint())) return {};
        const long epoch = std::lround(q->xAxis->pixelToCoord(pixel.x()));
        QString text = tr("Epoch %1, %2:").arg(epoch).arg(tr(kMetricNames[static_cast<int>(metric)]));
        for (const Condition& c : comparison->conditions) {
            const std::vector<Band>& bands = curveOf(c, metric);
            if (epoch < 0 || epoch >= long(bands.size())) continue;
            text += QStringLiteral("\n%1: %2").arg(QString::fromStdString(c.label),
                                                   bandSummary(bands[std::size_t(epoch)], 100, QStringLiteral("%")));
        }
        return text;
    });
}

void drawGroupedBars(PlotWidget* plot, const BarChart& chart, BandMode mode) {
    QCustomPlot* p = plot->plot();
    p->clearPlottables();
    auto* group = new QCPBarsGroup(p);
    group->setSpacing(1);
    const double width = 0.8 / std::max<qsizetype>(1, chart.series.size());
    double top = 1;
    for (int s = 0; s < chart.series.size(); ++s) {
        auto* bars = new QCPBars(p->xAxis, p->yAxis);
        bars->setName(chart.series[s]);
        bars->setPen(Qt::NoPen);
        bars->setBrush(std::size_t(s) < chart.colours.size() ? chart.colours[std::size_t(s)] : seriesColour(s));
        bars->setWidth(width);
        bars->setBarsGroup(group);
        auto* whiskers = new QCPErrorBars(p->xAxis, p->yAxis);
        whiskers->removeFromLegend();
        whiskers->setPen(QPen(Qt::black, 1));
        QVector<double> keys, values, minus, plus;
        for (int c = 0; c < chart.categories.size(); ++c) {
            const Band& b = chart.values[std::size_t(s)][std::size_t(c)];
            if (b.n == 0) continue;
            keys << c;
            values << b.mean * chart.scale;
            minus << (b.mean - bandLow(b, mode)) * chart.scale;
            plus << (bandHigh(b, mode) - b.mean) * chart.scale;
            top = std::max(top, bandHigh(b, mode) * chart.scale);
        }
        bars->setData(keys, values, true);
        whiskers->setDataPlottable(bars);
        whiskers->setData(minus, plus);
    }
    p->xAxis->setTicker(textTicker(chart.categories));
    p->xAxis->setTickLabelRotation(chart.categories.size() > 6 ? 30 : 0);
    p->xAxis->grid()->setVisible(false);
    p->xAxis->setRange(-0.6, std::max<qsizetype>(1, chart.categories.size()) - 0.4);
    p->yAxis->setLabel(chart.valueLabel);
    double bottom = 0;
    for (const auto& row : chart.values)
        for (const Band& b : row)
            if (b.n > 0) bottom = std::min(bottom, bandLow(b, mode) * chart.scale);
    p->yAxis->setRange(bottom < 0 ? bottom * 1.1 : 0, chart.scale == 100 ? std::max(101.0, top) : top * 1.12);
    p->replot();

    plot->setCsvSource([chart] {
        CsvTable table;
        table.header << QStringLiteral("category") << QStringLiteral("series") << QStringLiteral("runs")
                     << QStringLiteral("mean") << QStringLiteral("min") << QStringLiteral("max") << QStringLiteral("sd");
        for (int c = 0; c < chart.categories.size(); ++c)
            for (int s = 0; s < chart.series.size(); ++s) {
                const Band& b = chart.values[std::size_t(s)][std::size_t(c)];
                table.rows << QStringList{chart.categories[c], chart.series[s], QString::number(b.n),
                                          CsvTable::number(b.mean), CsvTable::number(b.min), CsvTable::number(b.max),
                                          CsvTable::number(b.sd)};
            }
        return table;
    });
    plot->setToolTipSource([plot, chart](const QPointF& pixel) -> QString {
        QCustomPlot* q = plot->plot();
        if (!q->axisRect()->rect().contains(pixel.toPoint())) return {};
        const long c = std::lround(q->xAxis->pixelToCoord(pixel.x()));
        if (c < 0 || c >= chart.categories.size()) return {};
        QString text = chart.categories[int(c)];
        const QString unit = chart.scale == 100 ? QStringLiteral("%") : QString();
        for (int s = 0; s < chart.series.size(); ++s)
            text += QStringLiteral("\n%1: %2").arg(chart.series[s],
                                                   bandSummary(chart.values[std::size_t(s)][std::size_t(c)], chart.scale, unit));
        return text;
    });
}

void drawUnitsToFlip(PlotWidget* plot, const ComparisonPtr& comparison) {
    QCustomPlot* p = plot->plot();
    p->clearPlottables();
    QStringList labels;
    const std::pair<const char*, QRgb> kinds[] = {{QT_TRANSLATE_NOOP("CompareCharts", "memorized (noisy)"), 0xd62728},
                                                  {QT_TRANSLATE_NOOP("CompareCharts", "clean"), 0x1f77b4}};
    double top = 1;
    std::int64_t limit = 0;
    bool anyNotFlipped = false;  // counted as the run's limit + 1
    const SetNames names = comparisonNames(comparison);
    for (int k = 0; k < 2; ++k) {
        auto* boxes = new QCPStatisticalBox(p->xAxis, p->yAxis);
        boxes->setName(names.label(k == 0 ? SetPart::SetGiven : SetPart::Rest, tr(kinds[k].first)));
        boxes->setBrush(translucent(QColor(kinds[k].second), 90));
        boxes->setPen(QPen(QColor(kinds[k].second), 1.5));
        boxes->setWidth(0.32);
        boxes->setOutlierStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QColor(kinds[k].second), 5));
        if (!comparison) continue;
        for (std::size_t i = 0; i < comparison->conditions.size(); ++i) {
            const Condition& c = comparison->conditions[i];
            std::vector<double> v = k == 0 ? c.unitsNoisyAll : c.unitsCleanAll;
            limit = std::max(limit, c.flipMaxUnits);
            if (v.empty()) continue;
            std::sort(v.begin(), v.end());
            anyNotFlipped = anyNotFlipped || v.back() > double(c.flipMaxUnits);
            const double q1 = quantile(v, 0.25), q3 = quantile(v, 0.75), iqr = q3 - q1;
            QVector<double> outliers;
            double low = q3, high = q1;  // whiskers: the furthest values within 1.5 IQR
            for (double x : v) {
                if (x < q1 - 1.5 * iqr || x > q3 + 1.5 * iqr) outliers << x;
                else {
                    low = std::min(low, x);
                    high = std::max(high, x);
                }
            }
            boxes->addData(double(i) + (k == 0 ? -0.19 : 0.19), low, q1, quantile(v, 0.5), q3, high, outliers);
            top = std::max(top, v.back());
        }
    }
    if (comparison)
        for (const Condition& c : comparison->conditions) labels << QString::fromStdString(c.label);
    p->xAxis->setTicker(textTicker(labels));
    p->xAxis->setTickLabelRotation(labels.size() > 6 ? 30 : 0);
    p->xAxis->grid()->setVisible(false);
    p->xAxis->setRange(-0.6, std::max<qsizetype>(1, labels.size()) - 0.4);
    p->yAxis->setLabel(anyNotFlipped ? tr("units zeroed (%1: not flipped within %2)").arg(limit + 1).arg(limit)
                                 : tr("units zeroed"));
    p->yAxis->setRange(0, top * 1.08 + 0.5);
    p->replot();

    plot->setCsvSource([comparison] {
        CsvTable table;
        table.header << QStringLiteral("condition") << QStringLiteral("kind") << QStringLiteral("units_zeroed");
        if (!comparison) return table;
        for (const Condition& c : comparison->conditions) {
            for (double x : c.unitsNoisyAll)
                table.rows << QStringList{QString::fromStdString(c.name), QStringLiteral("noisy"), CsvTable::number(x)};
            for (double x : c.unitsCleanAll)
                table.rows << QStringList{QString::fromStdString(c.name), QStringLiteral("clean"), CsvTable::number(x)};
        }
        return table;
    });
    plot->setToolTipSource([plot, comparison, names](const QPointF& pixel) -> QString {
        QCustomPlot* q = plot->plot();
        if (!comparison || !q->axisRect()->rect().contains(pixel.toPoint())) return {};
        const long i = std::lround(q->xAxis->pixelToCoord(pixel.x()));
        if (i < 0 || i >= long(comparison->conditions.size())) return {};
        const Condition& c = comparison->conditions[std::size_t(i)];
        const QString noisy = bandSummary(c.unitsNoisy, 1, QString()), clean = bandSummary(c.unitsClean, 1, QString()),
                      noisyCount = QString::number(c.unitsNoisyAll.size()),
                      cleanCount = QString::number(c.unitsCleanAll.size());
        if (names.labelNoise())
            return tr("%1\nmedian units per run, memorized: %2\nmedian units per run, clean: %3\nexamples: %4 memorized, %5 clean")
                .arg(QString::fromStdString(c.label), noisy, clean, noisyCount, cleanCount);
        return tr("%1\nmedian units per run, %6 (fitted): %2\nmedian units per run, %7: %3\nexamples: %4 %6, %5 %7")
            .arg(QString::fromStdString(c.label), noisy, clean, noisyCount, cleanCount, names.set(), names.rest());
    });
}

} // namespace memloc::ui
