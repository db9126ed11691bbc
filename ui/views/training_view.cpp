#include "views/training_view.h"

#include "plots/plot_widget.h"

#include <QLabel>
#include <QSplitter>
#include <QVBoxLayout>

#include <cmath>
#include <vector>

namespace memloc::ui {

namespace {
using core::EpochMetrics;
using Field = double EpochMetrics::*;

struct Curve {
    Field field;
    const char* csvName;
    const char* label;
    QRgb colour;
    bool dashed;
    SetPart part = SetPart::None;
};

// Accuracy curves in legend order; colours follow the paper's convention (memorized in red).
const Curve kAccuracyCurves[] = {
    {&EpochMetrics::trainCleanAcc, "train_clean_acc", QT_TRANSLATE_NOOP("TrainingView", "clean"), 0x1f77b4, false,
     SetPart::Rest},
    {&EpochMetrics::trainNoisyGivenAcc, "train_noisy_given_acc",
     QT_TRANSLATE_NOOP("TrainingView", "memorized (noisy, given)"), 0xd62728, false, SetPart::SetGiven},
    {&EpochMetrics::trainNoisyTrueAcc, "train_noisy_true_acc", QT_TRANSLATE_NOOP("TrainingView", "noisy, true label"),
     0xff7f0e, true, SetPart::SetTrue},
    {&EpochMetrics::testAcc, "test_acc", QT_TRANSLATE_NOOP("TrainingView", "test"), 0x2ca02c, false},
};
const Curve kLossCurve = {&EpochMetrics::trainLoss, "train_loss", QT_TRANSLATE_NOOP("TrainingView", "training loss"),
                          0x333333, false};
const Curve kLrCurve = {&EpochMetrics::lr, "lr", QT_TRANSLATE_NOOP("TrainingView", "learning rate"), 0x9467bd, true};

QString curveLabel(const Curve& curve, const SetNames& names) {
    return names.label(curve.part, TrainingView::tr(curve.label));
}

QCPGraph* addCurve(QCustomPlot* plot, QCPAxis* valueAxis, const Curve& curve) {
    QCPGraph* graph = plot->addGraph(plot->xAxis, valueAxis);
    graph->setName(TrainingView::tr(curve.label));
    QPen pen(QColor(curve.colour), 2);
    if (curve.dashed) pen.setStyle(Qt::DashLine);
    graph->setPen(pen);
    graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(curve.colour), 4));
    return graph;
}

void setCurveData(QCPGraph* graph, const std::vector<EpochMetrics>& metrics, Field field, double scale) {
    QVector<double> keys, values;
    for (const EpochMetrics& m : metrics) {
        keys << static_cast<double>(m.epoch);
        values << m.*field * scale;  // NaN (undefined) leaves a gap
    }
    graph->setData(keys, values, true);
}

double maxOf(const std::vector<EpochMetrics>& metrics, Field field) {
    double top = 0;
    for (const EpochMetrics& m : metrics)
        if (std::isfinite(m.*field)) top = std::max(top, m.*field);
    return top;
}

void styleEpochAxis(QCustomPlot* plot) {
    plot->xAxis->setLabel(TrainingView::tr("epoch"));
    plot->xAxis->setTicker(integerTicker());
}
} // namespace

TrainingView::TrainingView(QWidget* parent) : RunView(parent) {
    m_headline = new QLabel;
    m_headline->setWordWrap(true);
    m_headline->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_accuracy = new PlotWidget(QStringLiteral("training_accuracy"), tr("Accuracy per epoch"));
    QCustomPlot* acc = m_accuracy->plot();
    for (const Curve& curve : kAccuracyCurves) addCurve(acc, acc->yAxis, curve);
    styleEpochAxis(acc);
    acc->yAxis->setLabel(tr("accuracy (%)"));
    acc->yAxis->setRange(0, 101);
    m_accuracy->showLegendBelow(2);

    m_loss = new PlotWidget(QStringLiteral("training_loss_lr"), tr("Loss and learning rate"));
    QCustomPlot* loss = m_loss->plot();
    addCurve(loss, loss->yAxis, kLossCurve);
    addCurve(loss, loss->yAxis2, kLrCurve);
    styleEpochAxis(loss);
    loss->yAxis->setLabel(tr("mean training loss"));
    loss->yAxis2->setVisible(true);
    loss->yAxis2->setLabel(tr("learning rate"));
    m_loss->showLegendBelow(2);

    for (PlotWidget* plot : {m_accuracy, m_loss}) {
        plot->setToolTipSource([this, plot](const QPointF& pixel) { return toolTipAt(*plot, pixel); });
    }
    m_accuracy->setCsvSource([this] { return accuracyTable(); });
    m_loss->setCsvSource([this] { return lossTable(); });

    auto* splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(m_accuracy);
    splitter->addWidget(m_loss);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setChildrenCollapsible(false);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_headline);
    layout->addWidget(splitter, 1);
    setRun(nullptr);
}

void TrainingView::setRun(const RunSnapshotPtr& run) {
    m_run = run;
    const std::vector<EpochMetrics> none;
    const std::vector<EpochMetrics>& metrics = run ? run->summary.metrics : none;
    m_headline->setText(run ? describeRun(*run) : tr("No run open."));

    QCustomPlot* acc = m_accuracy->plot();
    const SetNames names = namesOf(run);
    for (int i = 0; i < acc->graphCount(); ++i) {
        acc->graph(i)->setName(curveLabel(kAccuracyCurves[i], names));
        setCurveData(acc->graph(i), metrics, kAccuracyCurves[i].field, 100.0);
    }
    QCustomPlot* loss = m_loss->plot();
    const bool imported = run && !run->summary.importedFrom.empty();
    m_loss->setTitle(imported ? tr("Loss and learning rate (not known: the run was trained elsewhere and imported)")
                              : tr("Loss and learning rate"));
    setCurveData(loss->graph(0), metrics, kLossCurve.field, 1.0);
    setCurveData(loss->graph(1), metrics, kLrCurve.field, 1.0);

    // A running run keeps its final x range, so the curves grow into the plot.
    const double lastEpoch = run ? std::max<double>(1.0, static_cast<double>(std::max(run->summary.epochsPlanned,
                                                                                        run->summary.epochsCompleted)))
                                 : 1.0;
    for (QCustomPlot* plot : {acc, loss}) plot->xAxis->setRange(-0.3, lastEpoch + 0.3);
    // Before the first epoch there is no loss yet: keep sensible ranges instead of empty ones.
    const double topLoss = maxOf(metrics, kLossCurve.field);
    const double topLr = std::max(maxOf(metrics, kLrCurve.field), run && !imported ? run->summary.config.lr : 0.0);
    loss->yAxis->setRange(0, topLoss > 0 ? topLoss * 1.08 : 1.0);
    loss->yAxis2->setRange(0, topLr > 0 ? topLr * 1.08 : 1.0);
    acc->replot();
    loss->replot();
}

QList<PlotWidget*> TrainingView::plots() const { return {m_accuracy, m_loss}; }

QString TrainingView::toolTipAt(const PlotWidget& plot, const QPointF& pixel) const {
    if (!m_run || !plot.plot()->axisRect()->rect().contains(pixel.toPoint())) return {};
    const auto& metrics = m_run->summary.metrics;
    const long epoch = std::lround(plot.plot()->xAxis->pixelToCoord(pixel.x()));
    if (epoch < 0 || epoch >= static_cast<long>(metrics.size())) return {};
    const EpochMetrics& m = metrics[static_cast<size_t>(epoch)];
    QString text = tr("Epoch %1").arg(m.epoch);
    const SetNames names = namesOf(m_run);
    for (const Curve& curve : kAccuracyCurves)
        text += QStringLiteral("\n%1: %2").arg(curveLabel(curve, names), percentText(m.*curve.field));
    if (!std::isnan(m.trainLoss)) text += tr("\ntraining loss: %1").arg(m.trainLoss, 0, 'g', 4);
    if (!std::isnan(m.lr)) text += tr("\nlearning rate: %1").arg(m.lr, 0, 'g', 4);
    if (m.seconds > 0) text += tr("\nepoch time: %1 s").arg(m.seconds, 0, 'f', 1);
    return text;
}

CsvTable TrainingView::accuracyTable() const {
    CsvTable table;
    table.header << QStringLiteral("epoch");
    for (const Curve& curve : kAccuracyCurves) table.header << QString::fromLatin1(curve.csvName);
    if (!m_run) return table;
    for (const EpochMetrics& m : m_run->summary.metrics) {
        QStringList row{QString::number(m.epoch)};
        for (const Curve& curve : kAccuracyCurves) row << CsvTable::number(m.*curve.field);
        table.rows << row;
    }
    return table;
}

CsvTable TrainingView::lossTable() const {
    CsvTable table;
    table.header << QStringLiteral("epoch") << QString::fromLatin1(kLossCurve.csvName) << QString::fromLatin1(kLrCurve.csvName);
    if (!m_run) return table;
    for (const EpochMetrics& m : m_run->summary.metrics)
        table.rows << QStringList{QString::number(m.epoch), CsvTable::number(m.trainLoss), CsvTable::number(m.lr)};
    return table;
}

} // namespace memloc::ui
