#pragma once
// Evaluation that reuses the activations before the first block an edit touches (internal).

#include "analysis/eval_sets.h"
#include "models/model.h"

#include <cstdint>
#include <map>

namespace memloc::core {

/// Evaluates a model on fixed evaluation sets many times while only blocks from some index on
/// change (units dropped inside them). The input of each starting block is computed once, with
/// the model as it is at that moment, and kept; callers must only change blocks >= the block
/// they pass. Holds one activation tensor per cached block (N x C x H x W floats).
class CachedEvaluator {
public:
    CachedEvaluator(Net& model, const EvalSets& sets, std::int64_t batchSize);

    /// Predicted classes of all evaluation images (clean, noisy, test concatenated), running
    /// blocks [firstBlock, end) from the cached input of firstBlock.
    torch::Tensor predict(std::size_t firstBlock);
    /// Accuracies from predict(firstBlock).
    EvalAccuracy evaluate(std::size_t firstBlock);
    /// Forgets cached activations (after a change in an earlier block).
    void clear() { m_cache.clear(); }
    /// Drops the cached inputs of blocks other than `keep` (bounds memory when sweeping blocks).
    void keepOnly(std::size_t keep);
    /// Caches the input of `block` and keeps only it. The input is computed from the nearest
    /// cached input of an earlier block (so a sweep over blocks in increasing order costs one
    /// forward pass in all); blocks between that one and `block` must be as they were then.
    void advanceTo(std::size_t block);

private:
    const torch::Tensor& inputOf(std::size_t block);

    Net& m_model;
    std::int64_t m_batch;
    torch::Tensor m_images;  ///< clean, noisy, test images concatenated
    std::int64_t m_clean, m_noisy, m_test;
    torch::Tensor m_cleanLabels, m_noisyGiven, m_noisyTrue, m_testLabels;  ///< CPU
    std::map<std::size_t, torch::Tensor> m_cache;
};

} // namespace memloc::core
