#pragma once
// The rewinding comparison: each condition's mean rewinding grid side by side on one colour scale,
// the difference between two conditions, and the accuracy each group's rewinding removes.

#include "compare/compare_charts.h"

#include <QList>
#include <QWidget>

#include <string>
#include <vector>

class QComboBox;
class QGridLayout;
class QLabel;

namespace memloc::ui {

class HeatmapPlotWidget;

class CompareRewindingPage : public QWidget {
    Q_OBJECT

public:
    explicit CompareRewindingPage(QWidget* parent = nullptr);

    void setComparison(const ComparisonPtr& comparison, BandMode mode);
    /// The per-condition grids, then the difference and the drop bars.
    QList<PlotWidget*> plots() const;
    /// Chooses the two conditions of the difference view (A - B); false if out of range.
    bool setDifference(int a, int b);
    HeatmapPlotWidget* differencePlot() const { return m_difference; }

private:
    void drawDifference();

    ComparisonPtr m_comparison;
    BandMode m_mode = BandMode::MinMax;
    QGridLayout* m_gridsLayout;
    std::vector<HeatmapPlotWidget*> m_grids;
    QComboBox* m_a;
    QComboBox* m_b;
    QLabel* m_status;
    HeatmapPlotWidget* m_difference;
    PlotWidget* m_drop;
};

/// A file-name-safe version of a condition's name ("noise=0.1,dropout=none" -> "noise-0.1_dropout-none").
QString figureSuffix(const std::string& conditionName);

} // namespace memloc::ui
