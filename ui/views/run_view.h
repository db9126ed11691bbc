#pragma once
// Base of the central views: each shows one aspect of the current run.

#include "plots/csv_table.h"
#include "runs/run_snapshot.h"
#include "views/set_names.h"

#include <QList>
#include <QWidget>

namespace memloc::ui {

class Job;
class PlotWidget;

/// A view of the current run (Training, Gradients; Rewinding, Neurons... later). Views read only
/// the RunSnapshot they are given; anything slow goes through a Job.
class RunView : public QWidget {
    Q_OBJECT

public:
    using QWidget::QWidget;

    /// Shows `run`, or an empty state when null. Called again whenever the run changes (each
    /// epoch of a run being trained).
    virtual void setRun(const RunSnapshotPtr& run) = 0;
    /// The view's figures, in order, for File > Export Report.
    virtual QList<PlotWidget*> plots() const = 0;

Q_SIGNALS:
    /// The view asks for a background job (e.g. a missing analysis). The receiver (MainWindow)
    /// takes ownership, starts it and re-reads the run when it finishes.
    void jobRequested(memloc::ui::Job* job);

protected:
    /// One line naming the run: data, model, sizes, noise, epochs.
    static QString describeRun(const RunSnapshot& run);
    /// What `run` calls its studied set and the rest (label noise when null).
    static SetNames namesOf(const RunSnapshotPtr& run) { return run ? SetNames(run->summary.focus) : SetNames(); }
};

} // namespace memloc::ui
