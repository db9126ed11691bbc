#pragma once
// One example's class probabilities as bars over every class of the run, named.

#include "plots/plot_widget.h"

#include <QStringList>

#include <cstdint>
#include <vector>

namespace memloc::ui {

/// Puts `names` (class names, in label order) as the tick labels of `axis` at 0..n-1, rotated
/// when they are words and more than `upright` of them; more than 20 classes get plain numbers
/// (names stay in tooltips).
void setClassTicker(QCPAxis* axis, const QStringList& names, int upright = 0);

/// Bars of the class probabilities of the selected example, the x axis spanning all the run's
/// classes (named) even before an example is chosen, when a note asks to choose one. Tooltip:
/// the class and its probability. CSV: example, class, class name, probability, dropped units.
class ClassProbabilityPlot : public PlotWidget {
    Q_OBJECT

public:
    explicit ClassProbabilityPlot(QWidget* parent = nullptr);

    /// The run's classes (empty: none open).
    void setClasses(const QStringList& names);
    /// Shows `probabilities` of training example `example`, predicted as `prediction`; with
    /// `droppedUnits` (e.g. "res1.a:3") for the CSV. example < 0: none chosen.
    void setExample(std::int64_t example, std::int64_t prediction, const std::vector<double>& probabilities,
                    const QStringList& droppedUnits);
    void clearExample() { setExample(-1, 0, {}, {}); }
    const QStringList& classes() const { return m_names; }

private:
    QString toolTip(const QPointF& pixel) const;
    CsvTable table() const;
    QString className(std::int64_t k) const;

    QCPBars* m_bars;
    QCPItemText* m_note;
    QStringList m_names;
    std::int64_t m_example = -1;
    std::vector<double> m_probabilities;
    QStringList m_units;
};

} // namespace memloc::ui
