#pragma once
// An immutable picture of one run file (summary + gradient accounting), shared between threads.

#include "memloc/run_summary.h"

#include <QString>

#include <memory>

namespace memloc::ui {

/// What the views draw: the run's summary and, when the run recorded it, its gradient accounting.
/// Built once, never modified; passed around as RunSnapshotPtr (also across threads).
struct RunSnapshot {
    core::RunSummary summary;
    core::AccountingSeries accounting;  ///< empty when !summary.hasAccounting

    /// Epochs with accounting rows (1..accountingEpochs()).
    int accountingEpochs() const { return static_cast<int>(accounting.cleanNorm.size()); }
};

using RunSnapshotPtr = std::shared_ptr<const RunSnapshot>;

/// Reads a run file's summary and accounting arrays. Blocks on small HDF5 reads only (no
/// checkpoint tensors), so it may run on the GUI thread. Throws core::Error naming the file when it
/// is missing, not HDF5, or not a memloc run.
RunSnapshotPtr readRunSnapshot(const QString& path);

} // namespace memloc::ui
