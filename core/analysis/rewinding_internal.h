#pragma once
// Building blocks of rewinding and retraining (internal: torch): replacing layer groups'
// parameters in place, and validating the groups and epochs an analysis asks for.

#include "analysis/loaded_run.h"
#include "memloc/analysis_options.h"
#include "memloc/retraining.h"

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace memloc::core {

/// Tensors by parameter (or buffer) name.
using NamedTensors = std::map<std::string, torch::Tensor>;

/// Names of the trainable parameters of the groups `indices`, in group order.
std::vector<std::string> groupParameterNames(const std::vector<LayerGroup>& groups,
                                             const std::vector<std::size_t>& indices);

/// Copies `values` into the model's parameters of the same names, in place (copy_ under
/// NoGradGuard; values may live on another device). Throws Error on an unknown name or a shape
/// mismatch, before changing anything.
void assignParameters(Net& model, const NamedTensors& values);

/// Replaces the parameters of the groups `indices` of `run.model` by checkpoint `epoch`'s,
/// reading only those tensors from the run file. BatchNorm running statistics are not touched.
/// Returns the values replaced (clones), to put back with assignParameters. Blocks on file I/O.
NamedTensors rewindGroups(const LoadedRun& run, const std::vector<std::size_t>& indices, std::int64_t epoch);

/// Resolves group keys (names or indices, see LoadedRun::groupIndex) to indices, without
/// duplicates, in the order given; empty keys = every group. Throws Error naming `runPath`.
std::vector<std::size_t> resolveGroups(const std::string& runPath, const std::vector<std::string>& groupNames,
                                       const std::vector<std::string>& keys);

/// Throws Error naming `runPath` and the usable range unless `epoch` is one of the `stored`
/// checkpoint epochs and at most `maxAllowed`. `what` names the setting (e.g. "rewind epoch").
void requireUsableEpoch(const std::string& runPath, const std::vector<std::int64_t>& stored, std::int64_t epoch,
                        std::int64_t maxAllowed, const std::string& what);

/// Throws Cancelled if `options.cancel` is set.
void throwIfCancelled(const AnalysisRunOptions& options);

/// Retrains group `groupIndex` of `run.model` as runRetraining does (rewind to
/// options.fromEpoch, freeze the rest, train on clean examples only) but leaves the model in its
/// retrained state, so tests can inspect every parameter and buffer; stores nothing. Afterwards
/// every parameter is trainable again and the model is in eval mode. Defined in retraining.cpp.
RetrainGroupResult retrainGroupInPlace(LoadedRun& run, std::size_t groupIndex, const RetrainOptions& options);

} // namespace memloc::core
