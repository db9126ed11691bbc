#pragma once
// Gradient accounting of a run: clean vs noisy gradient per layer group.

#include "views/run_view.h"

class QLabel;
class QSlider;
class QStackedWidget;

namespace memloc::ui {

class HeatmapPlotWidget;

/// Bars of the clean / noisy / total norm contribution per layer group at the epoch chosen with
/// a slider; heatmaps (epoch x group) of the noisy share noisy / (clean + noisy) and of the
/// clean/noisy cosine similarity. Runs trained without accounting show a hint instead.
class GradientsView : public RunView {
    Q_OBJECT

public:
    explicit GradientsView(QWidget* parent = nullptr);

    void setRun(const RunSnapshotPtr& run) override;
    QList<PlotWidget*> plots() const override;

    /// The epoch the bars show (1-based; 0 when there is none).
    int epoch() const;
    void setEpoch(int epoch);

private:
    void showEpoch();
    QString barToolTip(const QPointF& pixel) const;
    CsvTable barTable() const;

    RunSnapshotPtr m_run;
    QStackedWidget* m_pages;
    QLabel* m_hint;
    QSlider* m_slider;
    QLabel* m_epochLabel;
    PlotWidget* m_bars;
    HeatmapPlotWidget* m_share;
    HeatmapPlotWidget* m_cosine;
};

} // namespace memloc::ui
