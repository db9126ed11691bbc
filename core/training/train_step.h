#pragma once
// One optimisation step, shared by the trainer and the benchmark (internal: includes torch).

#include "models/model.h"
#include "training/gradient_accountant.h"
#include "training/precision.h"
#include "training/sgd.h"

#include <torch/torch.h>

#include <cstdint>

namespace memloc::core {

/// One batch: forward, backward (through the accountant when given: one forward and two
/// backward passes; else one of each), SGD update with `lr`. `noisy` is the batch's noise mask
/// on the device and `noisyCount` its sum (only used with an accountant). Returns the sum of
/// the per-example losses as a 0-dim tensor on the device (no host synchronisation).
/// Data-parallel (a process group is active): `images` is this process's shard of a batch of
/// `globalBatch` examples; the loss is divided by `globalBatch` and the gradients are summed over
/// the processes before the (identical) update, so every process keeps the same parameters. A
/// shard may be empty. `mode`: the forward pass under bfloat16 autocast and/or the batch in
/// channels-last layout (the model's 4-D weights must then be too: toChannelsLast); the loss and
/// every backward pass are float32.
torch::Tensor trainStep(Net& model, Sgd& sgd, GradientAccountant* accountant, const torch::Tensor& images,
                        const torch::Tensor& labels, const torch::Tensor& noisy, std::int64_t noisyCount,
                        double lr, std::int64_t globalBatch = 0, const TrainingMode& mode = {});

} // namespace memloc::core
