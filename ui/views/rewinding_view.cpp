#include "views/rewinding_view.h"

#include "jobs/analysis_job.h"
#include "plots/color_maps.h"
#include "plots/heatmap_plot_widget.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <cmath>
#include <string>
#include <vector>

namespace memloc::ui {

namespace {
using Grid = std::vector<std::vector<double>> core::RewindResult::*;

struct MetricInfo {
    Grid grid;
    double core::RewindAccuracy::*final;
    const char* label;
    const char* csvName;
    SetPart part;
};

const MetricInfo kMetrics[] = {
    {&core::RewindResult::noisyGiven, &core::RewindAccuracy::noisyGiven,
     QT_TRANSLATE_NOOP("RewindingView", "memorized (noisy, given label)"), "noisy_given",
     SetPart::SetGiven},
    {&core::RewindResult::clean, &core::RewindAccuracy::clean, QT_TRANSLATE_NOOP("RewindingView", "clean"), "clean",
     SetPart::Rest},
    {&core::RewindResult::noisyTrue, &core::RewindAccuracy::noisyTrue,
     QT_TRANSLATE_NOOP("RewindingView", "noisy, true label"), "noisy_true",
     SetPart::SetTrue},
    {&core::RewindResult::test, &core::RewindAccuracy::test, QT_TRANSLATE_NOOP("RewindingView", "test"), "test", SetPart::None},
};
QString labelOf(const MetricInfo& m, const SetNames& names) { return names.label(m.part, RewindingView::tr(m.label)); }
} // namespace

RewindingView::RewindingView(QWidget* parent) : AnalysisView(parent) {
    m_metric = new QComboBox;
    for (const MetricInfo& m : kMetrics) m_metric->addItem(tr(m.label));
    m_metric->setToolTip(tr("The accuracy the heatmap and the curves show"));
    connect(m_metric, &QComboBox::currentIndexChanged, this, &RewindingView::redraw);
    m_cell = new QLabel(tr("Click a cell to see its numbers."));
    m_cell->setWordWrap(true);
    m_cell->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Metric:")));
    top->addWidget(m_metric);
    top->addSpacing(16);
    top->addWidget(m_cell, 1);

    m_heatmap = new HeatmapPlotWidget(QStringLiteral("rewinding_heatmap"), tr("Accuracy after rewinding one group"));
    m_heatmap->setToolTipSource([this](const QPointF& pixel) {
        int x = 0, y = 0;
        return m_heatmap->cellAt(pixel, &x, &y) ? cellDescription(y, x) : QString();
    });
    m_heatmap->setCsvSource([this] { return gridTable(); });
    connect(m_heatmap->plot(), &QCustomPlot::mousePress, this, [this](QMouseEvent* event) {
        int x = 0, y = 0;
        if (event->button() == Qt::LeftButton && m_heatmap->cellAt(event->position(), &x, &y)) selectCell(y, x);
    });

    m_curves = new PlotWidget(QStringLiteral("rewinding_curves"), tr("Accuracy per rewound group"));
    QCustomPlot* curves = m_curves->plot();
    curves->xAxis->setLabel(tr("rewind epoch"));
    curves->xAxis->setTicker(integerTicker());
    curves->yAxis->setLabel(tr("accuracy (%)"));
    curves->yAxis->setRange(0, 101);
    m_curves->showLegendBelow(4);
    m_curves->setCsvSource([this] { return curveTable(); });
    m_curves->setToolTipSource([this](const QPointF& pixel) -> QString {
        QCustomPlot* p = m_curves->plot();
        if (!run() || !run()->rewinding || !p->axisRect()->rect().contains(pixel.toPoint())) return {};
        const core::RewindResult& r = *run()->rewinding;
        const double epoch = p->xAxis->pixelToCoord(pixel.x());
        int best = -1;
        for (size_t e = 0; e < r.epochs.size(); ++e)
            if (best < 0 || std::abs(double(r.epochs[e]) - epoch) < std::abs(double(r.epochs[size_t(best)]) - epoch))
                best = int(e);
        if (best < 0) return {};
        const MetricInfo& m = kMetrics[metric()];
        QString text = tr("Rewound to epoch %1, %2:").arg(r.epochs[size_t(best)]).arg(labelOf(m, namesOf(run())));
        for (size_t g = 0; g < r.groups.size(); ++g)
            text += QStringLiteral("\n") + accuracyLine(QString::fromStdString(r.groups[g]), (r.*m.grid)[g][size_t(best)]);
        return text + QStringLiteral("\n") + accuracyLine(tr("final model"), r.finalModel.*m.final);
    });

    // Side by side at equal widths (a splitter would size them by their hints).
    auto* plotsRow = new QHBoxLayout;
    plotsRow->addWidget(m_heatmap, 1);
    plotsRow->addWidget(m_curves, 1);

    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addLayout(plotsRow, 1);
    setContent(content, tr("Run rewinding"));
    setRun(nullptr);
}

QList<PlotWidget*> RewindingView::plots() const { return {m_heatmap, m_curves}; }

RewindingView::Metric RewindingView::metric() const { return static_cast<Metric>(qMax(0, m_metric->currentIndex())); }

void RewindingView::setMetric(Metric metric) { m_metric->setCurrentIndex(metric); }

AnalysisKind RewindingView::analysisKind() const { return AnalysisKind::Rewinding; }

void RewindingView::setRun(const RunSnapshotPtr& snapshot) {
    setCurrentRun(snapshot);
    const SetNames names = namesOf(snapshot);
    for (int i = 0; i < m_metric->count(); ++i) m_metric->setItemText(i, labelOf(kMetrics[i], names));
    if (!snapshot) {
        showPlaceholder(tr("No run open."), false);
    } else if (!snapshot->rewinding) {
        showPlaceholder(snapshot->summary.epochsCompleted < 1
                            ? tr("Layer rewinding needs a trained run (no completed epoch yet).")
                            : names.pick(tr("This run has no layer rewinding yet. It replaces one layer group of "
                                            "the final model with an earlier checkpoint's and measures the accuracy "
                                            "on memorized, clean and test examples."),
                                         tr("This run has no layer rewinding yet. It replaces one layer group of "
                                            "the final model with an earlier checkpoint's and measures the accuracy "
                                            "on the %1, %2 and test examples.")),
                        snapshot->summary.epochsCompleted >= 1);
    } else {
        showContent();
    }
    redraw();
}

void RewindingView::redraw() {
    QCustomPlot* curves = m_curves->plot();
    curves->clearGraphs();
    if (!run() || !run()->rewinding) {
        m_heatmap->clear();
        curves->replot();
        return;
    }
    const core::RewindResult& r = *run()->rewinding;
    const MetricInfo& m = kMetrics[metric()];
    const std::vector<std::vector<double>>& grid = r.*m.grid;
    QStringList groups;
    for (const std::string& g : r.groups) groups << QString::fromStdString(g);
    QVector<double> columns;
    std::vector<std::vector<double>> values(r.epochs.size(), std::vector<double>(r.groups.size()));
    for (size_t e = 0; e < r.epochs.size(); ++e) {
        columns << double(e);
        for (size_t g = 0; g < r.groups.size(); ++g) values[e][g] = grid[g][e];
    }
    const QString label = labelOf(m, namesOf(run()));
    m_heatmap->setTitle(tr("Accuracy after rewinding one group: %1").arg(label));
    m_heatmap->setGrid(tr("rewind epoch"), columns, groups, values, QCPRange(0, 1), viridisGradient(),
                       tr("accuracy"));
    // Rewind epochs are not consecutive: the columns are indices labelled with their epoch.
    QSharedPointer<QCPAxisTickerText> epochTicker(new QCPAxisTickerText);
    for (size_t e = 0; e < r.epochs.size(); ++e) epochTicker->addTick(double(e), QString::number(r.epochs[e]));
    m_heatmap->plot()->xAxis->setTicker(epochTicker);
    m_heatmap->plot()->replot();

    for (size_t g = 0; g < r.groups.size(); ++g) {
        QCPGraph* graph = curves->addGraph();
        graph->setName(groups[int(g)]);
        graph->setPen(QPen(seriesColour(int(g)), 2));
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, seriesColour(int(g)), 5));
        QVector<double> keys, vals;
        for (size_t e = 0; e < r.epochs.size(); ++e) {
            keys << double(r.epochs[e]);
            vals << grid[g][e] * 100.0;
        }
        graph->setData(keys, vals, true);
    }
    if (!r.epochs.empty()) {
        QCPGraph* final = curves->addGraph();
        final->setName(tr("final model"));
        final->setPen(QPen(Qt::black, 1.5, Qt::DashLine));
        const double v = (r.finalModel.*m.final) * 100.0;
        final->setData(QVector<double>{double(r.epochs.front()), double(r.finalEpoch)}, QVector<double>{v, v}, true);
        curves->xAxis->setRange(double(r.epochs.front()) - 0.5, double(r.finalEpoch) + 0.5);
    }
    m_curves->setTitle(tr("Per-group curves: %1").arg(label));
    curves->replot();
}

void RewindingView::selectCell(int group, int epochIndex) {
    m_cell->setText(cellDescription(group, epochIndex).replace(QLatin1Char('\n'), QStringLiteral("; ")));
}

QString RewindingView::cellText() const { return m_cell->text(); }

QString RewindingView::cellDescription(int group, int epochIndex) const {
    if (!run() || !run()->rewinding) return {};
    const core::RewindResult& r = *run()->rewinding;
    if (group < 0 || epochIndex < 0 || size_t(group) >= r.groups.size() || size_t(epochIndex) >= r.epochs.size())
        return {};
    const size_t g = size_t(group), e = size_t(epochIndex);
    QString text = tr("%1 rewound to epoch %2").arg(QString::fromStdString(r.groups[g])).arg(r.epochs[e]);
    const SetNames names = namesOf(run());
    for (const MetricInfo& m : kMetrics)
        text += QStringLiteral("\n") + accuracyLine(labelOf(m, names), (r.*m.grid)[g][e]) +
                tr(" (final %1)").arg(percentText(r.finalModel.*m.final));
    return text;
}

CsvTable RewindingView::gridTable() const {
    CsvTable table;
    table.header << QStringLiteral("group") << QStringLiteral("rewind_epoch");
    for (const MetricInfo& m : kMetrics) table.header << QString::fromLatin1(m.csvName);
    if (!run() || !run()->rewinding) return table;
    const core::RewindResult& r = *run()->rewinding;
    for (size_t g = 0; g < r.groups.size(); ++g)
        for (size_t e = 0; e < r.epochs.size(); ++e) {
            QStringList row{QString::fromStdString(r.groups[g]), QString::number(r.epochs[e])};
            for (const MetricInfo& m : kMetrics) row << CsvTable::number((r.*m.grid)[g][e]);
            table.rows << row;
        }
    QStringList final{QStringLiteral("final_model"), QString::number(r.finalEpoch)};
    for (const MetricInfo& m : kMetrics) final << CsvTable::number(r.finalModel.*m.final);
    table.rows << final;
    return table;
}

CsvTable RewindingView::curveTable() const {
    CsvTable table;
    table.header << QStringLiteral("rewind_epoch");
    if (!run() || !run()->rewinding) return table;
    const core::RewindResult& r = *run()->rewinding;
    const MetricInfo& m = kMetrics[metric()];
    for (const std::string& g : r.groups)
        table.header << QStringLiteral("%1 %2").arg(QString::fromStdString(g), QString::fromLatin1(m.csvName));
    for (size_t e = 0; e < r.epochs.size(); ++e) {
        QStringList row{QString::number(r.epochs[e])};
        for (size_t g = 0; g < r.groups.size(); ++g) row << CsvTable::number((r.*m.grid)[g][e]);
        table.rows << row;
    }
    return table;
}

} // namespace memloc::ui
