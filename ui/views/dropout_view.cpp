#include "views/dropout_view.h"

#include "jobs/analysis_job.h"
#include "plots/plot_widget.h"

#include <QLabel>
#include <QVBoxLayout>

#include <cmath>
#include <cstdint>
#include <vector>

namespace memloc::ui {

namespace {
struct Series {
    double core::DropoutModeResult::*field;
    const char* label;
    const char* csvName;
    QRgb colour;
    SetPart part;
};

// Colours as in the Training view (memorized in red).
const Series kSeries[] = {
    {&core::DropoutModeResult::clean, QT_TRANSLATE_NOOP("DropoutView", "clean"), "clean", 0x1f77b4, SetPart::Rest},
    {&core::DropoutModeResult::noisyGiven, QT_TRANSLATE_NOOP("DropoutView", "memorized (noisy, given)"), "noisy_given",
     0xd62728, SetPart::SetGiven},
    {&core::DropoutModeResult::noisyTrue, QT_TRANSLATE_NOOP("DropoutView", "noisy, true label"), "noisy_true", 0xff7f0e,
     SetPart::SetTrue},
    {&core::DropoutModeResult::test, QT_TRANSLATE_NOOP("DropoutView", "test"), "test", 0x2ca02c, SetPart::None},
};
} // namespace

DropoutView::DropoutView(QWidget* parent) : AnalysisView(parent) {
    m_headline = new QLabel;
    m_headline->setWordWrap(true);
    m_headline->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_bars = new PlotWidget(QStringLiteral("dropout_modes"), tr("Example-tied dropout: accuracy per evaluation mode"));
    QCustomPlot* p = m_bars->plot();
    auto* group = new QCPBarsGroup(p);
    group->setSpacing(1);
    for (const Series& s : kSeries) {
        auto* bars = new QCPBars(p->xAxis, p->yAxis);
        bars->setName(tr(s.label));
        bars->setWidth(0.19);
        bars->setPen(Qt::NoPen);
        bars->setBrush(QColor(s.colour));
        bars->setBarsGroup(group);
    }
    p->xAxis->setLabel(tr("evaluation mode"));
    p->xAxis->grid()->setVisible(false);
    p->xAxis->setSubTicks(false);
    p->yAxis->setLabel(tr("accuracy (%)"));
    p->yAxis->setRange(0, 105);
    m_bars->showLegendBelow(4);
    m_bars->setCsvSource([this] { return table(); });
    m_bars->setToolTipSource([this](const QPointF& pixel) { return toolTipAt(pixel); });

    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_headline);
    layout->addWidget(m_bars, 1);
    setContent(content, tr("Run dropout evaluation"));
    setRun(nullptr);
}

QList<PlotWidget*> DropoutView::plots() const { return {m_bars}; }

AnalysisKind DropoutView::analysisKind() const { return AnalysisKind::DropoutEval; }

void DropoutView::setRun(const RunSnapshotPtr& snapshot) {
    setCurrentRun(snapshot);
    QCustomPlot* p = m_bars->plot();
    const SetNames names = namesOf(snapshot);
    for (int s = 0; s < 4; ++s) p->plottable(s)->setName(names.label(kSeries[s].part, tr(kSeries[s].label)));
    const bool tied = snapshot && snapshot->summary.config.dropout == "example-tied";
    if (!snapshot) {
        showPlaceholder(tr("No run open."), false);
    } else if (!tied) {
        showPlaceholder(tr("This run was trained without example-tied dropout, so there is nothing to evaluate here.\n"
                           "Train one with File > New Training Run..., Dropout: example-tied: "
                           "each example keeps its own random set of memorization channels, which are switched off "
                           "in drop mode."),
                        false);
    } else if (!snapshot->dropoutEval) {
        showPlaceholder(snapshot->summary.epochsCompleted < 1
                            ? tr("The dropout evaluation needs a trained run (no completed epoch yet).")
                            : tr("This example-tied dropout run has no evaluation yet: it measures the accuracies "
                                 "with each example's own mask (standard), memorization channels scaled (test) and "
                                 "memorization channels dropped (drop)."),
                        snapshot->summary.epochsCompleted >= 1);
    } else {
        showContent();
    }
    const std::vector<core::DropoutModeResult> none;
    const auto& modes = tied && snapshot->dropoutEval ? snapshot->dropoutEval->modes : none;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (size_t m = 0; m < modes.size(); ++m) ticker->addTick(double(m), QString::fromStdString(modes[m].mode));
    p->xAxis->setTicker(ticker);
    p->xAxis->setRange(-0.6, double(std::max<size_t>(modes.size(), 1)) - 0.4);
    for (int s = 0; s < 4; ++s) {
        QVector<double> keys, values;
        for (size_t m = 0; m < modes.size(); ++m) {
            keys << double(m);
            values << modes[m].*kSeries[s].field * 100.0;
        }
        static_cast<QCPBars*>(p->plottable(s))->setData(keys, values, true);
    }
    if (tied && snapshot->dropoutEval) {
        const core::DropoutEvalResult& r = *snapshot->dropoutEval;
        QStringList blocks;
        for (std::int64_t b : r.blocks) blocks << QString::number(b);
        QString text = (names.labelNoise()
                            ? tr("p_gen %1 (generalization channels, always on), p_mem %2 (each memorization channel "
                                 "on for an example with this probability), dropout after blocks %3. In drop mode the "
                                 "memorization channels are off: memorized examples should be forgotten while clean "
                                 "and test accuracy stay.")
                            : tr("p_gen %1 (generalization channels, always on), p_mem %2 (each memorization channel "
                                 "on for an example with this probability), dropout after blocks %3. In drop mode the "
                                 "memorization channels are off: fitted %4 examples should be forgotten while %5 "
                                 "and test accuracy stay."))
                           .arg(r.pGen)
                           .arg(r.pMem)
                           .arg(blocks.join(QStringLiteral(", ")));
        if (!names.labelNoise()) text = text.arg(names.set(), names.rest());
        if (r.modes.size() > 3)
            text += tr(" drop-recalibrated is drop mode with BatchNorm statistics re-estimated in drop mode (weights "
                       "unchanged): where it keeps much more than drop, drop's loss comes from BatchNorm, not from the "
                       "channels dropped.");
        m_headline->setText(text);
    }
    p->replot();
}

QString DropoutView::toolTipAt(const QPointF& pixel) const {
    QCustomPlot* p = m_bars->plot();
    if (!run() || !run()->dropoutEval || !p->axisRect()->rect().contains(pixel.toPoint())) return {};
    const auto& modes = run()->dropoutEval->modes;
    const long m = std::lround(p->xAxis->pixelToCoord(pixel.x()));
    if (m < 0 || m >= long(modes.size())) return {};
    QString text = tr("%1 mode").arg(QString::fromStdString(modes[size_t(m)].mode));
    const SetNames names = namesOf(run());
    for (const Series& s : kSeries)
        text += QStringLiteral("\n") + accuracyLine(names.label(s.part, tr(s.label)), modes[size_t(m)].*s.field);
    return text;
}

CsvTable DropoutView::table() const {
    CsvTable table;
    table.header << QStringLiteral("mode");
    for (const Series& s : kSeries) table.header << QString::fromLatin1(s.csvName);
    if (!run() || !run()->dropoutEval) return table;
    for (const core::DropoutModeResult& m : run()->dropoutEval->modes) {
        QStringList row{QString::fromStdString(m.mode)};
        for (const Series& s : kSeries) row << CsvTable::number(m.*s.field);
        table.rows << row;
    }
    return table;
}

} // namespace memloc::ui
