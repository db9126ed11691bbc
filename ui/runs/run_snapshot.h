#pragma once
// An immutable picture of one run file (summary + gradient accounting), shared between threads.

#include "memloc/dropout_eval.h"
#include "memloc/flipping.h"
#include "memloc/neurons.h"
#include "memloc/retraining.h"
#include "memloc/rewinding.h"
#include "memloc/run_summary.h"

#include <QString>
#include <QStringList>

#include <memory>

namespace memloc::ui {

/// What the views draw: the run's summary and, when the run recorded them, its gradient
/// accounting and stored analyses. Built once, never modified; passed around as RunSnapshotPtr
/// (also across threads).
struct RunSnapshot {
    core::RunSummary summary;
    core::AccountingSeries accounting;  ///< empty when !summary.hasAccounting
    // Stored analyses (/analyses/...); null when the run has none (or it could not be read:
    // analysisErrors says why).
    std::shared_ptr<const core::RewindResult> rewinding;
    std::shared_ptr<const core::RetrainResult> retraining;
    std::shared_ptr<const core::FlipResult> flipping;
    std::shared_ptr<const core::NeuronScores> neurons;
    std::shared_ptr<const core::DropoutEvalResult> dropoutEval;
    QStringList analysisErrors;

    /// True when the run stores the analysis `name` (rewinding, retraining, flipping, neurons,
    /// dropout_eval).
    bool hasAnalysis(const char* name) const;

    /// Epochs with accounting rows (1..accountingEpochs()).
    int accountingEpochs() const { return static_cast<int>(accounting.cleanNorm.size()); }
};

using RunSnapshotPtr = std::shared_ptr<const RunSnapshot>;

/// Reads a run file's summary, accounting arrays and stored analysis results. Blocks on small
/// HDF5 reads only (no checkpoint tensors), so it may run on the GUI thread. A stored analysis
/// that cannot be read is left null and named in analysisErrors. Throws core::Error naming the file when it
/// is missing, not HDF5, or not a memloc run.
RunSnapshotPtr readRunSnapshot(const QString& path);

} // namespace memloc::ui
