#include "runs/run_snapshot.h"

namespace memloc::ui {

RunSnapshotPtr readRunSnapshot(const QString& path) {
    auto snapshot = std::make_shared<RunSnapshot>();
    const std::string file = path.toStdString();
    snapshot->summary = core::readRunSummary(file);
    if (snapshot->summary.hasAccounting) snapshot->accounting = core::readAccounting(file);
    return snapshot;
}

} // namespace memloc::ui
