#pragma once
// Layer rewinding: how much each layer group matters for memorization.

#include "memloc/analysis_options.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace memloc::core {

/// Accuracies of one model on the analysis evaluation sets, as fractions in [0, 1]; NaN where a
/// set is empty (e.g. a run without noisy examples).
struct RewindAccuracy {
    double clean = std::numeric_limits<double>::quiet_NaN();       ///< clean training examples
    double noisyGiven = std::numeric_limits<double>::quiet_NaN();  ///< noisy vs given label = memorization
    double noisyTrue = std::numeric_limits<double>::quiet_NaN();   ///< noisy vs true label
    double test = std::numeric_limits<double>::quiet_NaN();
};

/// What runRewinding computes.
struct RewindOptions {
    /// Checkpoint epochs to rewind to, in the order given (duplicates dropped). Empty = 0 plus a
    /// spread over the run: 0, ~E/4, ~E/2, ~3E/4 and E-1 for a run of E epochs.
    std::vector<std::int64_t> epochs;
    /// Layer groups by name ("res1.a") or index ("4", "g4"); empty = every group, in model order.
    std::vector<std::string> groups;
    /// Evaluate on the first N clean, first N noisy and first N test examples; 0 = all.
    std::int64_t evalSubset = 0;
    /// Evaluation batch size; 0 = the run's eval_batch_size.
    std::int64_t batchSize = 0;
    /// Accept the final epoch in `epochs` (a no-op rewind, for checks); otherwise an error.
    bool allowFinalEpoch = false;
    AnalysisRunOptions run;
};

/// A (group x rewind epoch) grid for each metric. Grids are indexed [group][epoch] in the
/// order of `groups` and `epochs`; each cell is the accuracy of the final model with that one
/// group's parameters replaced by the epoch's (BatchNorm running statistics stay final).
struct RewindResult {
    std::string runPath;
    std::int64_t finalEpoch = 0;
    std::int64_t evalSubset = 0;  ///< as requested (0 = all)
    std::int64_t batchSize = 0;   ///< evaluation batch size used
    std::int64_t cleanCount = 0, noisyCount = 0, testCount = 0;  ///< evaluation set sizes
    std::vector<std::string> groups;
    std::vector<std::int64_t> epochs;
    std::vector<std::vector<double>> clean, noisyGiven, noisyTrue, test;  ///< [group][epoch], fractions
    RewindAccuracy finalModel;  ///< the unmodified final model, same evaluation sets
};

/// Runs layer rewinding on a run file and stores the result as /analyses/rewinding (replacing
/// any previous one atomically), then returns it. Blocks: re-reads and verifies the dataset,
/// then evaluates groups x epochs + 1 models; reads each epoch's group tensors from the file as
/// needed (one epoch's group at a time). Progress is reported once per cell; cancellation is
/// checked per cell and throws Cancelled, leaving any stored result untouched. Throws Error
/// naming the run file for an unknown group, an epoch that is not stored or is not before the
/// final epoch (unless allowFinalEpoch), a changed dataset or an I/O failure.
/// Not thread-safe with respect to other writers of the same run file.
RewindResult runRewinding(const std::string& runPath, const RewindOptions& options);

/// Reads the rewinding result stored in a run file. Throws Error naming the file if there is
/// none (the message names the command that makes one) or the file cannot be read. Blocks on
/// small reads only.
RewindResult readRewinding(const std::string& runPath);

/// The position in result.epochs of the rewind epoch nearest the middle of training
/// (finalEpoch / 2; the earlier one on a tie): before most memorization, while rewinding still
/// leaves clean accuracy intact. Throws Error if the result has no epochs.
std::size_t middleRewindIndex(const RewindResult& result);

/// The default rewind epochs for a run whose final epoch is `finalEpoch` (>= 1): 0, ~E/4, ~E/2,
/// ~3E/4 and E-1, ascending, without duplicates; with `stored` (the checkpoint epochs of a run
/// that does not keep every epoch, e.g. an import) the stored epochs before E nearest to those.
std::vector<std::int64_t> defaultRewindEpochs(std::int64_t finalEpoch, const std::vector<std::int64_t>& stored = {});

} // namespace memloc::core
