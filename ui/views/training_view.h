#pragma once
// Training curves of a run, per epoch: accuracies (clean, memorized, noisy-true, test), loss, LR.

#include "views/run_view.h"

class QLabel;

namespace memloc::ui {

/// Per-epoch metrics of the current run; grows live while the run trains.
class TrainingView : public RunView {
    Q_OBJECT

public:
    explicit TrainingView(QWidget* parent = nullptr);

    void setRun(const RunSnapshotPtr& run) override;
    QList<PlotWidget*> plots() const override;

private:
    QString toolTipAt(const PlotWidget& plot, const QPointF& pixel) const;
    CsvTable accuracyTable() const;
    CsvTable lossTable() const;

    RunSnapshotPtr m_run;
    QLabel* m_headline;
    PlotWidget* m_accuracy;
    PlotWidget* m_loss;
};

} // namespace memloc::ui
