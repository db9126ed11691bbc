#include "views/retraining_view.h"

#include "jobs/analysis_job.h"
#include "plots/plot_widget.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <cmath>
#include <cstdint>

namespace memloc::ui {

RetrainingView::RetrainingView(QWidget* parent) : AnalysisView(parent) {
    m_headline = new QLabel;
    m_headline->setWordWrap(true);
    m_headline->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_clean = new PlotWidget(QStringLiteral("retraining_clean"), tr("Clean accuracy while retraining one group"));
    m_noisy = new PlotWidget(QStringLiteral("retraining_noisy"),
                             tr("Memorized accuracy (noisy, given label) while retraining one group"));
    const std::pair<PlotWidget*, double core::RetrainEpoch::*> plots[] = {
        {m_clean, &core::RetrainEpoch::clean}, {m_noisy, &core::RetrainEpoch::noisyGiven}};
    for (const auto& [plot, field] : plots) {
        QCustomPlot* p = plot->plot();
        p->xAxis->setLabel(tr("retraining epoch"));
        p->xAxis->setTicker(integerTicker());
        p->yAxis->setLabel(tr("accuracy (%)"));
        p->yAxis->setRange(0, 101);
        plot->showLegendBelow(4);
        plot->setCsvSource([this] { return table(); });
        PlotWidget* w = plot;
        auto f = field;
        plot->setToolTipSource([this, w, f](const QPointF& pixel) { return toolTipAt(*w, f, pixel); });
    }
    // Side by side at equal widths (a splitter would size them by their hints).
    auto* plotsRow = new QHBoxLayout;
    plotsRow->addWidget(m_clean, 1);
    plotsRow->addWidget(m_noisy, 1);

    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_headline);
    layout->addLayout(plotsRow, 1);
    setContent(content, tr("Run retraining"));
    setRun(nullptr);
}

QList<PlotWidget*> RetrainingView::plots() const { return {m_clean, m_noisy}; }

AnalysisKind RetrainingView::analysisKind() const { return AnalysisKind::Retraining; }

void RetrainingView::setRun(const RunSnapshotPtr& snapshot) {
    setCurrentRun(snapshot);
    const SetNames names = namesOf(snapshot);
    m_clean->setTitle(names.pick(tr("Clean accuracy while retraining one group"),
                                 tr("Accuracy on the %2 examples while retraining one group")));
    m_noisy->setTitle(names.pick(tr("Memorized accuracy (noisy, given label) while retraining one group"),
                                 tr("Accuracy on the %1 examples (given label) while retraining one group")));
    if (!snapshot) {
        showPlaceholder(tr("No run open."), false);
    } else if (!snapshot->retraining) {
        showPlaceholder(snapshot->summary.epochsCompleted < 1
                            ? tr("Retraining needs a trained run (no completed epoch yet).")
                            : names.pick(tr("This run has no retraining yet. It rewinds one layer group to its "
                                            "initialisation, trains only that group on clean examples only, and "
                                            "watches whether the memorized examples come back."),
                                         tr("This run has no retraining yet. It rewinds one layer group to its "
                                            "initialisation, trains only that group on the %2 examples only, and "
                                            "watches whether the fit of the %1 examples comes back.")),
                        snapshot->summary.epochsCompleted >= 1);
    } else {
        const core::RetrainResult& r = *snapshot->retraining;
        // Numbers first (%1..%7), then the names (%8, %9): a name is never read as a placeholder.
        QString text = (names.labelNoise()
                            ? tr("Each group rewound to epoch %1 and trained alone on %2 clean examples (lr %3, up to %4 "
                                 "epochs); evaluated on %5 clean, %6 noisy and %7 test examples. A group whose noisy "
                                 "accuracy climbs back is not where memorization lives.")
                            : tr("Each group rewound to epoch %1 and trained alone on %2 %9 examples (lr %3, up to %4 "
                                 "epochs); evaluated on %5 %9, %6 %8 and %7 test examples. A group whose %8 accuracy "
                                 "climbs back is not where their fit lives."))
                           .arg(r.fromEpoch)
                           .arg(r.cleanTrainCount)
                           .arg(r.lr)
                           .arg(r.maxEpochs)
                           .arg(r.cleanCount)
                           .arg(r.noisyCount)
                           .arg(r.testCount);
        if (!names.labelNoise()) text = text.arg(names.set(), names.rest());
        m_headline->setText(text);
        showContent();
    }
    draw(m_clean, &core::RetrainEpoch::clean);
    draw(m_noisy, &core::RetrainEpoch::noisyGiven);
}

void RetrainingView::draw(PlotWidget* plot, double core::RetrainEpoch::*field) {
    QCustomPlot* p = plot->plot();
    p->clearGraphs();
    if (run() && run()->retraining) {
        const core::RetrainResult& r = *run()->retraining;
        std::int64_t last = 1;
        for (size_t g = 0; g < r.groups.size(); ++g) {
            QCPGraph* graph = p->addGraph();
            graph->setName(QString::fromStdString(r.groups[g].group));
            graph->setPen(QPen(seriesColour(int(g)), 2));
            graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, seriesColour(int(g)), 4));
            QVector<double> keys, values;
            for (const core::RetrainEpoch& e : r.groups[g].series) {
                keys << double(e.epoch);
                values << e.*field * 100.0;
                last = std::max(last, e.epoch);
            }
            graph->setData(keys, values, true);
        }
        QCPGraph* final = p->addGraph();
        final->setName(tr("final model"));
        final->setPen(QPen(Qt::black, 1.5, Qt::DashLine));
        const double v = r.finalModel.*field * 100.0;
        final->setData(QVector<double>{0, double(last)}, QVector<double>{v, v}, true);
        p->xAxis->setRange(-0.3, double(last) + 0.3);
    }
    p->replot();
}

QString RetrainingView::toolTipAt(const PlotWidget& plot, double core::RetrainEpoch::*field, const QPointF& pixel) const {
    QCustomPlot* p = plot.plot();
    if (!run() || !run()->retraining || !p->axisRect()->rect().contains(pixel.toPoint())) return {};
    const core::RetrainResult& r = *run()->retraining;
    const long epoch = std::lround(p->xAxis->pixelToCoord(pixel.x()));
    QString text = tr("Retraining epoch %1").arg(epoch);
    for (const core::RetrainGroupResult& g : r.groups)
        for (const core::RetrainEpoch& e : g.series)
            if (e.epoch == epoch) text += QStringLiteral("\n") + accuracyLine(QString::fromStdString(g.group), e.*field);
    return text + QStringLiteral("\n") + accuracyLine(tr("final model"), r.finalModel.*field);
}

CsvTable RetrainingView::table() const {
    CsvTable table;
    table.header << QStringLiteral("group") << QStringLiteral("epoch") << QStringLiteral("train_loss")
                 << QStringLiteral("train_clean") << QStringLiteral("clean") << QStringLiteral("noisy_given")
                 << QStringLiteral("noisy_true") << QStringLiteral("test");
    if (!run() || !run()->retraining) return table;
    auto row = [](const QString& group, const core::RetrainEpoch& e) {
        return QStringList{group,
                           QString::number(e.epoch),
                           CsvTable::number(e.trainLoss),
                           CsvTable::number(e.trainClean),
                           CsvTable::number(e.clean),
                           CsvTable::number(e.noisyGiven),
                           CsvTable::number(e.noisyTrue),
                           CsvTable::number(e.test)};
    };
    for (const core::RetrainGroupResult& g : run()->retraining->groups)
        for (const core::RetrainEpoch& e : g.series) table.rows << row(QString::fromStdString(g.group), e);
    table.rows << row(QStringLiteral("final_model"), run()->retraining->finalModel);
    return table;
}

} // namespace memloc::ui
