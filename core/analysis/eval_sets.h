#pragma once
// The example sets analyses evaluate on: clean and noisy training examples and test examples.

#include "models/model.h"
#include "training/run_data.h"

#include <torch/torch.h>

#include <cstdint>

namespace memloc::core {

/// Images and labels of the three evaluation sets, on the device. Noisy examples carry both
/// their given (wrong) and their true labels.
struct EvalSets {
    torch::Tensor cleanImages, cleanLabels, cleanIds;               ///< ids: indices into the run's train set
    torch::Tensor noisyImages, noisyGiven, noisyTrue, noisyIds;
    torch::Tensor testImages, testLabels;
};

/// The first `limit` clean, first `limit` noisy (by train index) and first `limit` test examples;
/// limit 0 = all.
EvalSets makeEvalSets(const RunData& data, std::int64_t limit);

/// Accuracies on the evaluation sets (fractions; NaN for an empty set).
struct EvalAccuracy {
    double clean = 0, noisyGiven = 0, noisyTrue = 0, test = 0;
};

/// Evaluates `model` in eval and inference mode; blocks. Restores the model's train/eval mode.
EvalAccuracy evaluateSets(Net& model, const EvalSets& sets, std::int64_t batchSize);

} // namespace memloc::core
