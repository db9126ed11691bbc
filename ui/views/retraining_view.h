#pragma once
// Retraining of a run: rewind one group, train only it on clean examples.

#include "views/analysis_view.h"

class QLabel;

namespace memloc::ui {

/// Clean and memorized (noisy, given label) accuracy over the retraining epochs, one curve per
/// retrained layer group; a dashed line marks the unmodified final model.
class RetrainingView : public AnalysisView {
    Q_OBJECT

public:
    explicit RetrainingView(QWidget* parent = nullptr);

    void setRun(const RunSnapshotPtr& run) override;
    QList<PlotWidget*> plots() const override;

    PlotWidget* cleanPlot() const { return m_clean; }
    PlotWidget* noisyPlot() const { return m_noisy; }

protected:
    AnalysisKind analysisKind() const override;

private:
    void draw(PlotWidget* plot, double core::RetrainEpoch::*field);
    QString toolTipAt(const PlotWidget& plot, double core::RetrainEpoch::*field, const QPointF& pixel) const;
    CsvTable table() const;

    QLabel* m_headline;
    PlotWidget* m_clean;
    PlotWidget* m_noisy;
};

} // namespace memloc::ui
