#pragma once
// The per-example flipping procedure, exposed for tests (internal: torch).

#include "analysis/eval_sets.h"
#include "analysis/unit_scores.h"
#include "memloc/flipping.h"
#include "training/run_data.h"

namespace memloc::core {

/// Flips one training example of `model` (eval mode) as runFlipping does, then restores every
/// zeroed unit, so the model is bit-identical afterwards. `params` from scoredParams(model, ...).
FlipExample flipOneExample(Net& model, const RunData& data, const FlipOptions& options, std::int64_t id, bool isNoisy,
                           std::vector<ScoredParam>& params, const EvalSets& sets, std::int64_t evalBatch);

} // namespace memloc::core
