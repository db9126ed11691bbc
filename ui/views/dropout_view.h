#pragma once
// Example-tied dropout: accuracy per evaluation mode.

#include "views/analysis_view.h"

class QLabel;

namespace memloc::ui {

/// Grouped bars of clean, memorized (noisy, given label), noisy (true label) and test accuracy
/// in the standard, test and drop modes of a run trained with example-tied dropout. Runs
/// without it get a note saying how to train one.
class DropoutView : public AnalysisView {
    Q_OBJECT

public:
    explicit DropoutView(QWidget* parent = nullptr);

    void setRun(const RunSnapshotPtr& run) override;
    QList<PlotWidget*> plots() const override;
    PlotWidget* barsPlot() const { return m_bars; }

protected:
    AnalysisKind analysisKind() const override;

private:
    QString toolTipAt(const QPointF& pixel) const;
    CsvTable table() const;

    QLabel* m_headline;
    PlotWidget* m_bars;
};

} // namespace memloc::ui
