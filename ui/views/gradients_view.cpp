#include "views/gradients_view.h"

#include "plots/color_maps.h"
#include "plots/heatmap_plot_widget.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <cmath>
#include <string>
#include <vector>

namespace memloc::ui {

namespace {
struct BarSeries {
    std::vector<std::vector<double>> core::AccountingSeries::*field;
    const char* label;
    const char* csvName;
    QRgb colour;
    SetPart part;
};

const BarSeries kBars[] = {
    {&core::AccountingSeries::cleanNorm, QT_TRANSLATE_NOOP("GradientsView", "clean"), "clean_norm", 0x1f77b4, SetPart::Rest},
    {&core::AccountingSeries::noisyNorm, QT_TRANSLATE_NOOP("GradientsView", "noisy"), "noisy_norm", 0xd62728, SetPart::SetGiven},
    {&core::AccountingSeries::totalNorm, QT_TRANSLATE_NOOP("GradientsView", "all (total)"), "total_norm", 0x7f7f7f, SetPart::None},
};

double noisyShare(double clean, double noisy) {
    const double sum = clean + noisy;
    return sum > 0 ? noisy / sum : std::nan("");
}

QStringList groupNames(const core::AccountingSeries& a) {
    QStringList names;
    for (const std::string& g : a.groups) names << QString::fromStdString(g);
    return names;
}
} // namespace

GradientsView::GradientsView(QWidget* parent) : RunView(parent) {
    m_slider = new QSlider(Qt::Horizontal);
    m_slider->setToolTip(tr("The epoch whose gradients the bars show"));
    m_slider->setTickPosition(QSlider::TicksBelow);
    m_epochLabel = new QLabel;
    m_epochLabel->setMinimumWidth(110);
    connect(m_slider, &QSlider::valueChanged, this, &GradientsView::showEpoch);
    auto* sliderRow = new QHBoxLayout;
    sliderRow->addWidget(new QLabel(tr("Epoch:")));
    sliderRow->addWidget(m_slider, 1);
    sliderRow->addWidget(m_epochLabel);

    m_bars = new PlotWidget(QStringLiteral("gradients_norms"), tr("Gradient norm per layer group"));
    QCustomPlot* bars = m_bars->plot();
    auto* group = new QCPBarsGroup(bars);
    group->setSpacing(1);
    for (const BarSeries& series : kBars) {
        auto* b = new QCPBars(bars->xAxis, bars->yAxis);
        b->setName(tr(series.label));
        b->setWidth(0.26);
        b->setPen(Qt::NoPen);
        b->setBrush(QColor(series.colour));
        b->setBarsGroup(group);
    }
    bars->xAxis->setLabel(tr("layer group"));
    bars->xAxis->grid()->setVisible(false);
    bars->xAxis->setSubTicks(false);
    bars->xAxis->setTickLength(0, 4);
    bars->yAxis->setLabel(tr("norm contribution"));
    m_bars->showLegendBelow(3);
    m_bars->setToolTipSource([this](const QPointF& pixel) { return barToolTip(pixel); });
    m_bars->setCsvSource([this] { return barTable(); });

    m_share = new HeatmapPlotWidget(QStringLiteral("gradients_noisy_share"), tr("Noisy share of the gradient"));
    m_cosine = new HeatmapPlotWidget(QStringLiteral("gradients_cosine"), tr("Cosine, clean vs noisy gradient"));

    auto* heatmaps = new QSplitter(Qt::Horizontal);
    heatmaps->addWidget(m_share);
    heatmaps->addWidget(m_cosine);
    heatmaps->setChildrenCollapsible(false);
    heatmaps->setStretchFactor(0, 1);
    heatmaps->setStretchFactor(1, 1);
    auto* plotsSplitter = new QSplitter(Qt::Vertical);
    plotsSplitter->addWidget(m_bars);
    plotsSplitter->addWidget(heatmaps);
    plotsSplitter->setChildrenCollapsible(false);

    auto* content = new QWidget;
    auto* contentLayout = new QVBoxLayout(content);
    contentLayout->setContentsMargins(0, 0, 0, 0);
    contentLayout->addLayout(sliderRow);
    contentLayout->addWidget(plotsSplitter, 1);

    m_hint = new QLabel;
    m_hint->setAlignment(Qt::AlignCenter);
    m_hint->setWordWrap(true);
    m_pages = new QStackedWidget;
    m_pages->addWidget(content);
    m_pages->addWidget(m_hint);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_pages);
    setRun(nullptr);
}

QList<PlotWidget*> GradientsView::plots() const { return {m_bars, m_share, m_cosine}; }

int GradientsView::epoch() const { return m_run && m_run->accountingEpochs() > 0 ? m_slider->value() : 0; }

void GradientsView::setEpoch(int epoch) { m_slider->setValue(epoch); }

void GradientsView::setRun(const RunSnapshotPtr& run) {
    const bool followLatest = !m_run || m_slider->value() >= m_slider->maximum();
    m_run = run;
    const int epochs = run ? run->accountingEpochs() : 0;
    if (!run || !run->summary.hasAccounting || epochs == 0) {
        m_hint->setText(!run ? tr("No run open.")
                        : !run->summary.hasAccounting
                            ? tr("This run was trained without gradient accounting (config \"accounting\": false).")
                            : tr("No training epoch yet: gradient accounting appears after epoch 1."));
        m_pages->setCurrentWidget(m_hint);
        m_share->clear();
        m_cosine->clear();
        return;
    }
    m_pages->setCurrentIndex(0);

    // The bars name the set itself (its gradient, not an accuracy).
    const SetNames names = namesOf(run);
    for (int s = 0; s < 3; ++s)
        m_bars->plot()->plottable(s)->setName(kBars[s].part == SetPart::SetGiven ? names.pick(tr(kBars[s].label), QStringLiteral("%1"))
                                                                                 : names.label(kBars[s].part, tr(kBars[s].label)));
    m_share->setTitle(names.pick(tr("Noisy share of the gradient"), tr("Share of the gradient from the %1 examples")));
    m_cosine->setTitle(names.pick(tr("Cosine, clean vs noisy gradient"), tr("Cosine, %2 vs %1 gradient")));
    const core::AccountingSeries& a = run->accounting;
    const QStringList groups = groupNames(a);
    QVector<double> epochNumbers;
    std::vector<std::vector<double>> share(static_cast<size_t>(epochs)), cosine = a.cosine;
    for (int e = 0; e < epochs; ++e) {
        epochNumbers << e + 1;
        for (size_t g = 0; g < a.groups.size(); ++g)
            share[static_cast<size_t>(e)].push_back(noisyShare(a.cleanNorm[e][g], a.noisyNorm[e][g]));
    }
    m_share->setGrid(tr("epoch"), epochNumbers, groups, share, QCPRange(0, 1), viridisGradient(),
                     names.pick(tr("noisy / (clean + noisy)"), tr("%1 / (%2 + %1)")));
    m_cosine->setGrid(tr("epoch"), epochNumbers, groups, cosine, QCPRange(-1, 1), divergingGradient(), tr("cosine"));

    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (int g = 0; g < groups.size(); ++g) ticker->addTick(g, groups[g]);
    QCustomPlot* bars = m_bars->plot();
    bars->xAxis->setTicker(ticker);
    bars->xAxis->setTickLabelRotation(groups.size() > 6 ? -30 : 0);  // names stay apart at one column
    bars->xAxis->setRange(-0.6, groups.size() - 0.4);

    const QSignalBlocker block(m_slider);
    m_slider->setRange(1, epochs);
    if (followLatest) m_slider->setValue(epochs);
    showEpoch();
}

void GradientsView::showEpoch() {
    if (!m_run || m_run->accountingEpochs() == 0) return;
    const int e = m_slider->value();
    m_epochLabel->setText(tr("%1 of %2").arg(e).arg(m_run->accountingEpochs()));
    const core::AccountingSeries& a = m_run->accounting;
    QCustomPlot* bars = m_bars->plot();
    double top = 0;
    for (int s = 0; s < 3; ++s) {
        const std::vector<double>& row = (a.*kBars[s].field)[static_cast<size_t>(e - 1)];
        QVector<double> keys, values;
        for (size_t g = 0; g < row.size(); ++g) {
            keys << static_cast<double>(g);
            values << row[g];
            top = std::max(top, row[g]);
        }
        static_cast<QCPBars*>(bars->plottable(s))->setData(keys, values, true);
    }
    bars->yAxis->setRange(0, std::max(1e-12, top * 1.1));
    m_bars->setTitle(tr("Gradient norm per layer group, epoch %1").arg(e));
    bars->replot();
    m_share->setMarkedColumn(e);
    m_cosine->setMarkedColumn(e);
}

QString GradientsView::barToolTip(const QPointF& pixel) const {
    QCustomPlot* bars = m_bars->plot();
    if (!m_run || m_run->accountingEpochs() == 0 || !bars->axisRect()->rect().contains(pixel.toPoint())) return {};
    const core::AccountingSeries& a = m_run->accounting;
    const long g = std::lround(bars->xAxis->pixelToCoord(pixel.x()));
    if (g < 0 || g >= static_cast<long>(a.groups.size())) return {};
    const size_t e = static_cast<size_t>(m_slider->value() - 1), gi = static_cast<size_t>(g);
    const double clean = a.cleanNorm[e][gi], noisy = a.noisyNorm[e][gi];
    const SetNames names = namesOf(m_run);
    const QString group = QString::fromStdString(a.groups[gi]), epoch = QString::number(e + 1),
                  cleanText = QString::number(clean, 'g', 4), noisyText = QString::number(noisy, 'g', 4),
                  total = QString::number(a.totalNorm[e][gi], 'g', 4),
                  share = QString::number(noisyShare(clean, noisy), 'f', 3),
                  cosine = QString::number(a.cosine[e][gi], 'f', 3);
    if (names.labelNoise())
        return tr("%1, epoch %2\nclean: %3\nnoisy: %4\ntotal: %5\nnoisy share: %6\ncosine clean/noisy: %7")
            .arg(group, epoch, cleanText, noisyText, total, share, cosine);
    return tr("%1, epoch %2\n%8: %3\n%9: %4\ntotal: %5\n%9 share: %6\ncosine %8/%9: %7")
        .arg(group, epoch, cleanText, noisyText, total, share, cosine, names.rest(), names.set());
}

CsvTable GradientsView::barTable() const {
    CsvTable table;
    table.header << QStringLiteral("epoch") << QStringLiteral("group") << QStringLiteral("units");
    for (const BarSeries& series : kBars) table.header << QString::fromLatin1(series.csvName);
    table.header << QStringLiteral("noisy_share") << QStringLiteral("cosine");
    if (!m_run || m_run->accountingEpochs() == 0) return table;
    const core::AccountingSeries& a = m_run->accounting;
    const size_t e = static_cast<size_t>(m_slider->value() - 1);
    for (size_t g = 0; g < a.groups.size(); ++g) {
        const auto& groups = m_run->summary.groups;
        QStringList row{QString::number(e + 1), QString::fromStdString(a.groups[g]),
                        g < groups.size() ? QString::number(groups[g].units) : QString()};
        for (const BarSeries& series : kBars) row << CsvTable::number((a.*series.field)[e][g]);
        row << CsvTable::number(noisyShare(a.cleanNorm[e][g], a.noisyNorm[e][g])) << CsvTable::number(a.cosine[e][g]);
        table.rows << row;
    }
    return table;
}

} // namespace memloc::ui
