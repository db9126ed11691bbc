#include "views/run_view.h"

namespace memloc::ui {

QString RunView::describeRun(const RunSnapshot& run) {
    const core::RunSummary& s = run.summary;
    const core::RunConfig& c = s.config;
    return tr("%1 - %2 x%3 - %4 training examples (%5 mislabeled, noise %6%), %7 test - epoch %8 of %9")
        .arg(QString::fromStdString(c.dataset), QString::fromStdString(c.model))
        .arg(c.width)
        .arg(s.trainSize)
        .arg(s.noisyCount)
        .arg(c.noise * 100.0)
        .arg(s.testSize)
        .arg(s.epochsCompleted)
        .arg(s.epochsPlanned);
}

} // namespace memloc::ui
