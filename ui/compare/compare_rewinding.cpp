#include "compare/compare_rewinding.h"

#include "plots/color_maps.h"
#include "plots/heatmap_plot_widget.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QRegularExpression>
#include <QVBoxLayout>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

namespace memloc::ui {

namespace {
using core::Band;
using core::Condition;

/// Heatmap columns are indices labelled with their rewind epoch (the epochs need not be consecutive).
void drawGrid(HeatmapPlotWidget* plot, const std::vector<std::int64_t>& epochs, const std::vector<std::string>& groups,
              const std::vector<std::vector<double>>& valuesByGroup, const QCPRange& range,
              const QCPColorGradient& gradient, const QString& valueName) {
    QStringList rows;
    for (const std::string& g : groups) rows << QString::fromStdString(g);
    QVector<double> columns;
    std::vector<std::vector<double>> values(epochs.size(), std::vector<double>(groups.size()));
    for (std::size_t e = 0; e < epochs.size(); ++e) {
        columns << double(e);
        for (std::size_t g = 0; g < groups.size(); ++g) values[e][g] = valuesByGroup[g][e];
    }
    plot->setGrid(CompareRewindingPage::tr("rewind epoch index"), columns, rows, values, range, gradient, valueName);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (std::size_t e = 0; e < epochs.size(); ++e) ticker->addTick(double(e), QString::number(epochs[e]));
    plot->plot()->xAxis->setTicker(ticker);
    plot->plot()->xAxis->setLabel(CompareRewindingPage::tr("rewind epoch"));
    plot->plot()->replot();
}

std::vector<std::vector<double>> means(const std::vector<std::vector<Band>>& grid) {
    std::vector<std::vector<double>> out;
    for (const auto& row : grid) {
        out.emplace_back();
        for (const Band& b : row) out.back().push_back(b.mean);
    }
    return out;
}
} // namespace

QString figureSuffix(const std::string& conditionName) {
    QString s = QString::fromStdString(conditionName);
    s.replace(QLatin1Char('='), QLatin1Char('-')).replace(QLatin1Char(','), QLatin1Char('_'));
    s.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("-"));
    return s;
}

CompareRewindingPage::CompareRewindingPage(QWidget* parent) : QWidget(parent) {
    m_gridsLayout = new QGridLayout;
    m_a = new QComboBox;
    m_b = new QComboBox;
    m_a->setToolTip(tr("The difference view shows this condition's grid minus the other's"));
    m_b->setToolTip(m_a->toolTip());
    m_status = new QLabel;
    m_status->setWordWrap(true);
    for (QComboBox* box : {m_a, m_b}) connect(box, &QComboBox::currentIndexChanged, this, &CompareRewindingPage::drawDifference);
    auto* chooser = new QHBoxLayout;
    chooser->addWidget(new QLabel(tr("Difference:")));
    chooser->addWidget(m_a, 1);
    chooser->addWidget(new QLabel(tr("minus")));
    chooser->addWidget(m_b, 1);

    m_difference = new HeatmapPlotWidget(QStringLiteral("compare_rewinding_difference"), tr("Difference"));
    m_drop = new PlotWidget(QStringLiteral("compare_rewinding_drop"), tr("Memorization removed by rewinding one group"));
    m_drop->showLegendBelow(3);

    auto* differenceColumn = new QVBoxLayout;
    differenceColumn->addLayout(chooser);
    differenceColumn->addWidget(m_status);
    differenceColumn->addWidget(m_difference, 1);
    auto* bottom = new QHBoxLayout;
    bottom->addLayout(differenceColumn, 1);
    bottom->addWidget(m_drop, 1);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(m_gridsLayout, 1);
    layout->addLayout(bottom, 1);
}

QList<PlotWidget*> CompareRewindingPage::plots() const {
    QList<PlotWidget*> out;
    for (HeatmapPlotWidget* grid : m_grids) out << grid;
    return out << m_difference << m_drop;
}

void CompareRewindingPage::setComparison(const ComparisonPtr& comparison, BandMode mode) {
    m_comparison = comparison;
    m_mode = mode;
    const SetNames names = comparisonNames(comparison);
    const std::size_t n = comparison ? comparison->conditions.size() : 0;
    // One grid per condition, at most three in a row.
    while (m_grids.size() > n) {
        delete m_grids.back();
        m_grids.pop_back();
    }
    while (m_grids.size() < n) {
        auto* grid = new HeatmapPlotWidget(QString(), QString());
        m_gridsLayout->addWidget(grid, int(m_grids.size() / 3), int(m_grids.size() % 3));
        m_grids.push_back(grid);
    }
    for (std::size_t i = 0; i < n; ++i) {
        const Condition& c = comparison->conditions[i];
        HeatmapPlotWidget* grid = m_grids[i];
        grid->setName(QStringLiteral("compare_rewinding_%1").arg(figureSuffix(c.name)));
        if (c.rewindGrid.empty()) {
            grid->clear();
            grid->setTitle(tr("%1: no rewinding stored").arg(QString::fromStdString(c.label)));
            continue;
        }
        const SetNames own(c.focus);
        const int runs = c.rewindGrid.front().empty() ? 0 : c.rewindGrid.front().front().n;
        grid->setTitle(own.labelNoise() ? tr("%1: memorized after rewinding (mean of %2)").arg(QString::fromStdString(c.label)).arg(runs)
                                        : tr("%1: %2 (fitted) after rewinding (mean of %3)")
                                              .arg(QString::fromStdString(c.label), own.set())
                                              .arg(runs));
        drawGrid(grid, c.rewindEpochs, c.rewindGroups, means(c.rewindGrid), QCPRange(0, 1), viridisGradient(),
                 own.pick(tr("memorized accuracy"), tr("%1 accuracy")));
    }

    const int a = m_a->currentIndex(), b = m_b->currentIndex();
    QSignalBlocker blockA(m_a), blockB(m_b);
    m_a->clear();
    m_b->clear();
    for (std::size_t i = 0; i < n; ++i) {
        m_a->addItem(QString::fromStdString(comparison->conditions[i].label));
        m_b->addItem(QString::fromStdString(comparison->conditions[i].label));
    }
    // Default: the last condition minus the first (e.g. the highest noise rate minus the lowest).
    m_a->setCurrentIndex(a >= 0 && a < int(n) ? a : int(n) - 1);
    m_b->setCurrentIndex(b >= 0 && b < int(n) ? b : 0);
    drawDifference();

    BarChart chart;
    chart.valueLabel = names.pick(tr("memorized accuracy lost (points)"), tr("%1 accuracy lost (points)"));
    std::int64_t epoch = -1;
    std::vector<std::string> groups;
    for (std::size_t i = 0; i < n; ++i) {
        const Condition& c = comparison->conditions[i];
        if (groups.empty() && !c.rewindGroups.empty()) {
            groups = c.rewindGroups;
            epoch = c.rewindEpoch;
        }
    }
    for (const std::string& g : groups) chart.categories << QString::fromStdString(g);
    for (std::size_t i = 0; i < n; ++i) {
        const Condition& c = comparison->conditions[i];
        chart.series << QString::fromStdString(c.label);
        std::vector<Band> row(groups.size());  // n = 0: no bar
        if (c.rewindGroups == groups && c.rewindEpoch == epoch) row = c.rewindDrop;
        chart.values.push_back(row);
    }
    if (names.labelNoise())
        m_drop->setTitle(epoch < 0 ? tr("Memorization removed by rewinding one group (no rewinding stored)")
                                   : tr("Memorization removed by rewinding one group to epoch %1 (%2)")
                                         .arg(epoch)
                                         .arg(bandText(mode)));
    else
        m_drop->setTitle(epoch < 0 ? tr("Fit of the %1 examples removed by rewinding one group (no rewinding stored)")
                                         .arg(names.set())
                                   : tr("Fit of the %3 examples removed by rewinding one group to epoch %1 (%2)")
                                         .arg(QString::number(epoch), bandText(mode), names.set()));
    drawGroupedBars(m_drop, chart, mode);
}

bool CompareRewindingPage::setDifference(int a, int b) {
    if (a < 0 || b < 0 || a >= m_a->count() || b >= m_b->count()) return false;
    QSignalBlocker block(m_a);
    m_a->setCurrentIndex(a);
    m_b->setCurrentIndex(b);
    drawDifference();
    return true;
}

void CompareRewindingPage::drawDifference() {
    const int a = m_a->currentIndex(), b = m_b->currentIndex();
    m_difference->clear();
    const SetNames names = comparisonNames(m_comparison);
    m_difference->setTitle(names.pick(tr("Difference of the memorized-accuracy grids"),
                                      tr("Difference of the %1-accuracy grids")));
    if (!m_comparison || a < 0 || b < 0) {
        m_status->setText(tr("Rewinding needs stored rewinding analyses."));
        return;
    }
    const Condition& ca = m_comparison->conditions[std::size_t(a)];
    const Condition& cb = m_comparison->conditions[std::size_t(b)];
    if (ca.rewindGrid.empty() || cb.rewindGrid.empty() || ca.rewindGroups != cb.rewindGroups ||
        ca.rewindEpochs != cb.rewindEpochs) {
        m_status->setText(tr("The two conditions have no rewinding grids over the same groups and epochs."));
        return;
    }
    m_status->setText(names.labelNoise()
                          ? tr("Red: %1 keeps more memorization than %2 when that group is rewound; blue: less.")
                                .arg(QString::fromStdString(ca.label), QString::fromStdString(cb.label))
                          : tr("Red: %1 keeps more of the %3 fit than %2 when that group is rewound; blue: less.")
                                .arg(QString::fromStdString(ca.label), QString::fromStdString(cb.label), names.set()));
    std::vector<std::vector<double>> diff = means(ca.rewindGrid);
    const auto other = means(cb.rewindGrid);
    for (std::size_t g = 0; g < diff.size(); ++g)
        for (std::size_t e = 0; e < diff[g].size(); ++e) diff[g][e] -= other[g][e];
    m_difference->setTitle(tr("%1 minus %2").arg(QString::fromStdString(ca.label), QString::fromStdString(cb.label)));
    drawGrid(m_difference, ca.rewindEpochs, ca.rewindGroups, diff, QCPRange(-1, 1), divergingGradient(),
             tr("difference"));
}

} // namespace memloc::ui
