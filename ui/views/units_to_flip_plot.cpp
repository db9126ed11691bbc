#include "views/units_to_flip_plot.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>

namespace memloc::ui {

UnitsToFlipPlot::UnitsToFlipPlot(QWidget* parent)
    : PlotWidget(QStringLiteral("examples_units_to_flip"), tr("Units zeroed to flip an example"), parent) {
    QCustomPlot* h = plot();
    auto* group = new QCPBarsGroup(h);
    const std::pair<const char*, QRgb> series[] = {{QT_TR_NOOP("noisy (memorized)"), 0xd62728}, {QT_TR_NOOP("clean"), 0x1f77b4}};
    for (const auto& [name, colour] : series) {
        auto* bars = new QCPBars(h->xAxis, h->yAxis);
        bars->setName(tr(name));
        bars->setPen(Qt::NoPen);
        bars->setBrush(QColor(colour));
        bars->setWidth(0.4);
        bars->setBarsGroup(group);
    }
    h->xAxis->setTicker(integerTicker());
    h->xAxis->grid()->setVisible(false);
    h->yAxis->setLabel(tr("examples"));
    showLegendBelow(2);
    setCsvSource([this] { return table(); });
    setFlipping(nullptr);
}

void UnitsToFlipPlot::setFlipping(std::shared_ptr<const core::FlipResult> flipping, const SetNames& names) {
    m_flipping = std::move(flipping);
    QCustomPlot* h = plot();
    h->plottable(0)->setName(names.label(SetPart::SetGiven, tr("noisy (memorized)")));
    h->plottable(1)->setName(names.label(SetPart::Rest, tr("clean")));
    std::map<std::int64_t, int> counts[2];
    std::int64_t top = 1;
    bool anyNotFlipped = false;
    std::int64_t maxUnits = 0;
    if (m_flipping) {
        maxUnits = m_flipping->options.maxUnits;
        for (const core::FlipExample& e : m_flipping->examples) {
            const std::int64_t n = e.flipped ? std::int64_t(e.units.size()) : maxUnits + 1;
            ++counts[e.noisy ? 0 : 1][n];
            top = std::max(top, n);
            anyNotFlipped = anyNotFlipped || !e.flipped;
        }
    }
    h->xAxis->setLabel(anyNotFlipped ? tr("units zeroed (%1: not flipped within %2)").arg(maxUnits + 1).arg(maxUnits)
                                     : tr("units zeroed"));
    setTitle(m_flipping ? tr("Units zeroed to flip an example")
                        : tr("Units zeroed to flip an example (no flipping analysis yet)"));
    double tallest = 1;
    for (int s = 0; s < 2; ++s) {
        QVector<double> keys, values;
        for (const auto& [n, count] : counts[s]) {
            keys << double(n);
            values << double(count);
            tallest = std::max(tallest, double(count));
        }
        static_cast<QCPBars*>(h->plottable(s))->setData(keys, values, true);
    }
    h->xAxis->setRange(-0.5, double(top) + 0.5);
    h->yAxis->setRange(0, tallest * 1.1);
    h->replot();
}

CsvTable UnitsToFlipPlot::table() const {
    CsvTable table;
    table.header << QStringLiteral("id") << QStringLiteral("noisy") << QStringLiteral("given_label")
                 << QStringLiteral("true_label") << QStringLiteral("original_prediction") << QStringLiteral("flipped")
                 << QStringLiteral("units_zeroed") << QStringLiteral("unit_path") << QStringLiteral("acc_clean_after")
                 << QStringLiteral("acc_noisy_after") << QStringLiteral("acc_test_after");
    if (!m_flipping) return table;
    for (const core::FlipExample& e : m_flipping->examples) {
        QStringList path;
        for (const core::FlipUnit& u : e.units)
            path << QStringLiteral("%1:%2>%3").arg(u.group).arg(u.channel).arg(u.predictionAfter);
        table.rows << QStringList{QString::number(e.id), e.noisy ? QStringLiteral("1") : QStringLiteral("0"),
                                  QString::number(e.givenLabel), QString::number(e.trueLabel),
                                  QString::number(e.originalPrediction), e.flipped ? QStringLiteral("1") : QStringLiteral("0"),
                                  QString::number(e.units.size()), path.join(QLatin1Char(' ')),
                                  CsvTable::number(e.accClean), CsvTable::number(e.accNoisy), CsvTable::number(e.accTest)};
    }
    return table;
}

} // namespace memloc::ui
