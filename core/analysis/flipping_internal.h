#pragma once
// The per-example flipping procedure, exposed for tests (internal: torch).

#include "analysis/cached_evaluator.h"
#include "analysis/eval_sets.h"
#include "analysis/unit_scores.h"
#include "memloc/flipping.h"
#include "training/run_data.h"

#include <cstdint>
#include <vector>

namespace memloc::core {

/// Evaluation after a flip from cached activations: `evaluator` was made on the unedited model
/// and `sets`; groupBlocks[g] is the top-level block of layer group g (blockOfGroup).
struct FlipEvalCache {
    CachedEvaluator* evaluator = nullptr;
    std::vector<std::size_t> groupBlocks;
};

/// Flips one training example of `model` (eval mode) as runFlipping does, then restores every
/// zeroed unit, so the model is bit-identical afterwards. `params` from scoredParams(model, ...).
/// With `cache`, the accuracy after the edit runs only the blocks from the first edited one on.
FlipExample flipOneExample(Net& model, const RunData& data, const FlipOptions& options, std::int64_t id, bool isNoisy,
                           std::vector<ScoredParam>& params, const EvalSets& sets, std::int64_t evalBatch,
                           const FlipEvalCache* cache = nullptr);

} // namespace memloc::core
