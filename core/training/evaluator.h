#pragma once
// Evaluation of a model on the run's data (internal: includes torch).

#include "memloc/training.h"
#include "models/model.h"
#include "training/run_data.h"

#include <torch/torch.h>

#include <cstdint>

namespace memloc::core {

/// Predicted classes (int64 [N], on the CPU) for `images`, in eval mode and inference mode, in
/// batches of `batchSize`. With `ids` (int64 [N], training-set indices) each batch's ids are put
/// in the model's forward context (example-tied dropout in example mode needs them). Restores
/// the model's previous train/eval mode. Blocks.
torch::Tensor predictClasses(Net& model, const torch::Tensor& images, std::int64_t batchSize,
                             const torch::Tensor& ids = {});

/// Accuracy on clean training examples, on noisy ones against their given and true labels, and
/// on the test set (fields of EpochMetrics other than these are left as they are). A model with
/// example-tied dropout is evaluated on training examples with their own masks ("standard"
/// mode) and on the test set in test mode.
void evaluateRun(Net& model, const RunData& data, std::int64_t batchSize, EpochMetrics& metrics);

} // namespace memloc::core
