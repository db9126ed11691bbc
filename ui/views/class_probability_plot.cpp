#include "views/class_probability_plot.h"

#include "views/analysis_view.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace memloc::ui {

void setClassTicker(QCPAxis* axis, const QStringList& names, int upright) {
    constexpr int kMostNamed = 20;
    if (names.isEmpty() || names.size() > kMostNamed) {
        axis->setTicker(integerTicker());
        axis->setTickLabelRotation(0);
        return;
    }
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    bool words = false;
    for (int k = 0; k < names.size(); ++k) {
        ticker->addTick(k, names[k]);
        words = words || names[k].size() > 2;
    }
    axis->setTicker(ticker);
    axis->setTickLabelRotation(words && names.size() > upright ? 45 : 0);
    axis->setSubTicks(false);
}

ClassProbabilityPlot::ClassProbabilityPlot(QWidget* parent)
    : PlotWidget(QStringLiteral("neurons_example_probabilities"), tr("No example selected"), parent) {
    QCustomPlot* p = plot();
    m_bars = new QCPBars(p->xAxis, p->yAxis);
    m_bars->setPen(Qt::NoPen);
    m_bars->setBrush(seriesColour(0));
    p->xAxis->grid()->setVisible(false);
    p->yAxis->setLabel(tr("probability"));
    p->yAxis->setRange(0, 1.02);
    m_note = new QCPItemText(p);
    m_note->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_note->position->setCoords(0.5, 0.45);
    m_note->setPositionAlignment(Qt::AlignCenter);
    m_note->setTextAlignment(Qt::AlignCenter);
    m_note->setColor(QColor(0x55, 0x55, 0x55));
    m_note->setText(tr("Choose an example\n(Examples view, or\nExample above)"));
    setToolTipSource([this](const QPointF& pixel) { return toolTip(pixel); });
    setCsvSource([this] { return table(); });
    setClasses({});
}

QString ClassProbabilityPlot::className(std::int64_t k) const {
    return k >= 0 && k < m_names.size() ? m_names[int(k)] : QString::number(k);
}

void ClassProbabilityPlot::setClasses(const QStringList& names) {
    m_names = names;
    QCustomPlot* p = plot();
    setClassTicker(p->xAxis, names);
    p->xAxis->setLabel(names.size() > 20 ? tr("class (hover a bar for its name)") : tr("class"));
    p->xAxis->setRange(-0.6, double(std::max<qsizetype>(names.size(), 1)) - 0.4);
    clearExample();
}

void ClassProbabilityPlot::setExample(std::int64_t example, std::int64_t prediction,
                                      const std::vector<double>& probabilities, const QStringList& droppedUnits) {
    m_example = example;
    m_probabilities = example >= 0 ? probabilities : std::vector<double>{};
    m_units = droppedUnits;
    QVector<double> keys, values;
    for (size_t k = 0; k < m_probabilities.size(); ++k) {
        keys << double(k);
        values << m_probabilities[k];
    }
    m_bars->setData(keys, values, true);
    m_note->setVisible(example < 0);
    setTitle(example >= 0 ? tr("Example %1: predicted %2").arg(example).arg(className(prediction))
                          : tr("No example selected"));
    const qsizetype classes = std::max<qsizetype>({m_names.size(), qsizetype(m_probabilities.size()), 1});
    plot()->xAxis->setRange(-0.6, double(classes) - 0.4);
    plot()->replot();
}

QString ClassProbabilityPlot::toolTip(const QPointF& pixel) const {
    if (m_example < 0 || !plot()->axisRect()->rect().contains(pixel.toPoint())) return {};
    const long k = std::lround(plot()->xAxis->pixelToCoord(pixel.x()));
    if (k < 0 || size_t(k) >= m_probabilities.size()) return {};
    return tr("class %1 (%2)\np = %3").arg(k).arg(className(k)).arg(m_probabilities[size_t(k)], 0, 'f', 4);
}

CsvTable ClassProbabilityPlot::table() const {
    CsvTable table;
    table.header << QStringLiteral("example") << QStringLiteral("class") << QStringLiteral("class_name")
                 << QStringLiteral("probability") << QStringLiteral("dropped_units");
    for (size_t k = 0; k < m_probabilities.size(); ++k)
        table.rows << QStringList{QString::number(m_example), QString::number(k), className(std::int64_t(k)),
                                  CsvTable::number(m_probabilities[k]), m_units.join(QLatin1Char(' '))};
    return table;
}

} // namespace memloc::ui
