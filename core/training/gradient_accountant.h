#pragma once
// Gradient accounting with one forward and two backward passes per batch.

#include "memloc/training.h"
#include "models/model.h"

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace memloc::core {

/// Splits each batch's gradient into the parts of clean and of noisy examples and sums each
/// part per parameter over an epoch. Holds two float tensors per grouped parameter (the sums)
/// plus one scratch tensor; not thread-safe.
class GradientAccountant {
public:
    GradientAccountant(Net& model, std::vector<LayerGroup> groups);

    /// Zeroes the epoch sums.
    void beginEpoch();

    /// Back-propagates one batch: clean part = sum of the clean examples' losses / B and noisy
    /// part likewise, so the two add up to the batch's mean loss. `losses` [B] are per-example
    /// losses with a graph; `noisy` [B] is bool on the same device; `noisyCount` its sum.
    /// `batch` > 0 replaces B (data-parallel: this process holds a shard of a batch of `batch`).
    /// Afterwards every parameter's .grad() holds the whole batch gradient (clean + noisy).
    void backward(const torch::Tensor& losses, const torch::Tensor& noisy, std::int64_t noisyCount, double batch = 0);

    /// Data-parallel training: sums the epoch sums over the process group (call before endEpoch).
    void allReduceSums();

    /// Per group: sum over its parameters of ||g_p|| / sqrt(numel p) for the clean, noisy and total
    /// epoch gradients, and the mean over its parameters of cos(clean, noisy) (0 when a part is 0).
    EpochAccounting endEpoch() const;

private:
    struct Tracked {
        torch::Tensor param, cleanSum, noisySum, scratch;
    };
    std::vector<Tracked> m_tracked;
    std::vector<std::vector<std::size_t>> m_groupMembers;  ///< indices into m_tracked per group
};

} // namespace memloc::core
