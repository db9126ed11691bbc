#pragma once
// BatchNorm running statistics re-estimated under another forward mode (internal: torch).

#include "models/model.h"

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace memloc::core {

/// While it lives, every BatchNorm2d of `model` normalises with the mean and variance of its
/// input over `images` as the model's current forward context (e.g. example-tied dropout's drop
/// mode) produces it: the running statistics are reset and re-estimated as a cumulative average
/// over batches of `batchSize`, in train mode, without gradients; no weight changes. The
/// destructor puts the model's own statistics and momentum back, bit for bit.
class RecalibratedBatchNorm {
public:
    RecalibratedBatchNorm(Net& model, const torch::Tensor& images, std::int64_t batchSize);
    ~RecalibratedBatchNorm();
    RecalibratedBatchNorm(const RecalibratedBatchNorm&) = delete;
    RecalibratedBatchNorm& operator=(const RecalibratedBatchNorm&) = delete;

private:
    struct Saved {
        torch::nn::BatchNorm2dImpl* norm;
        torch::Tensor mean, var, batches;
        std::optional<double> momentum;
    };
    std::vector<Saved> m_saved;
};

} // namespace memloc::core
