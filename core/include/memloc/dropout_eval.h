#pragma once
// Evaluation of an example-tied dropout run in its modes.

#include "memloc/analysis_options.h"

#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

/// Accuracies of one evaluation mode. Noisy accuracies are against given labels (memorization)
/// and against true labels.
struct DropoutModeResult {
    std::string mode;  ///< standard | test | drop | drop-recalibrated
    double clean = 0, noisyGiven = 0, noisyTrue = 0, test = 0;
};

struct DropoutEvalResult {
    double pGen = 0, pMem = 0;
    std::vector<std::int64_t> blocks;
    std::vector<DropoutModeResult> modes;  ///< standard, test, drop, drop-recalibrated (older results: 3)
};

/// Evaluates a run trained with example-tied dropout in four modes and stores
/// /analyses/dropout_eval:
///  - standard: each training example with its own training-time mask (test images: test mode)
///  - test: memorization channels scaled by p_mem
///  - drop: memorization channels zeroed, generalization channels scaled by (p_gen+p_mem)/p_gen,
///    BatchNorm with the running statistics of training (the published evaluation)
///  - drop-recalibrated: drop mode with every BatchNorm's statistics re-estimated in drop mode over
///    the run's training images (weights unchanged; the paper leaves BatchNorm in drop mode open)
/// evalSubset: clean / noisy / test examples evaluated (0 = all). Throws Error if the run was not
/// trained with example-tied dropout. Blocks.
DropoutEvalResult runDropoutEval(const std::string& runPath, std::int64_t evalSubset, const AnalysisRunOptions& run);

/// Reads the stored result; throws Error if there is none.
DropoutEvalResult readDropoutEval(const std::string& runPath);

} // namespace memloc::core
