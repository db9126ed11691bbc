#pragma once
// Layer rewinding of a run: which layer groups the memorization needs.

#include "views/analysis_view.h"

class QComboBox;
class QLabel;

namespace memloc::ui {

class HeatmapPlotWidget;

/// A (layer group x rewind epoch) heatmap of one metric (switch: memorization = noisy vs given
/// label, clean, noisy vs true label, test) and the same metric as one curve per group over the
/// rewind epochs. Clicking a cell shows all four numbers of that cell.
class RewindingView : public AnalysisView {
    Q_OBJECT

public:
    /// The metrics, in the switch's order.
    enum Metric { NoisyGiven, Clean, NoisyTrue, Test };

    explicit RewindingView(QWidget* parent = nullptr);

    void setRun(const RunSnapshotPtr& run) override;
    QList<PlotWidget*> plots() const override;

    Metric metric() const;
    void setMetric(Metric metric);
    HeatmapPlotWidget* heatmap() const { return m_heatmap; }
    /// Selects the cell of group `group` and rewind epoch index `epochIndex` (as a click does).
    void selectCell(int group, int epochIndex);
    /// The text the selected cell's read-out shows.
    QString cellText() const;

protected:
    AnalysisKind analysisKind() const override;

private:
    void redraw();
    QString cellDescription(int group, int epochIndex) const;
    CsvTable gridTable() const;
    CsvTable curveTable() const;

    QComboBox* m_metric;
    QLabel* m_cell;
    HeatmapPlotWidget* m_heatmap;
    PlotWidget* m_curves;
};

} // namespace memloc::ui
