#include "views/run_view.h"

namespace memloc::ui {

QString RunView::describeRun(const RunSnapshot& run) {
    const core::RunSummary& s = run.summary;
    const core::RunConfig& c = s.config;
    if (!s.focus.labelNoise)
        return tr("%1 - %2 x%3 - %4 training examples (%5 %6, %7 mislabeled, noise %8%), %9 test - epoch %10 of %11")
            .arg(QString::fromStdString(c.dataset), QString::fromStdString(c.model))
            .arg(c.width)
            .arg(s.trainSize)
            .arg(s.focusCount)
            .arg(QString::fromStdString(s.focus.set))
            .arg(s.noisyCount)
            .arg(c.noise * 100.0)
            .arg(s.testSize)
            .arg(s.epochsCompleted)
            .arg(s.epochsPlanned);
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
