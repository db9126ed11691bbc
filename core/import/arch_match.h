#pragma once
// Matching a checkpoint's tensors to a built-in architecture (internal: torch).

#include "import/checkpoint_source.h"
#include "models/model.h"

#include <string>
#include <vector>

namespace memloc::core {

/// How a set of named tensors differs from a model's parameters and buffers.
struct TensorMismatch {
    std::vector<std::string> missing;     ///< in the model, not in the file
    std::vector<std::string> unexpected;  ///< in the file, not in the model
    std::vector<std::string> conflicts;   ///< "name: file [a, b] vs model [c, d]"
    std::size_t matched = 0;
    bool exact() const { return missing.empty() && unexpected.empty() && conflicts.empty(); }
    /// The differences in words, at most `perList` names per list.
    std::string describe(std::size_t perList = 8) const;
};

/// Compares `tensors` with `model`'s parameters and buffers (names and shapes). A missing
/// BatchNorm num_batches_tracked (checkpoints of old PyTorch versions) is not a difference.
TensorMismatch compareTensors(const TensorList& tensors, Net& model);

/// Finds the built-in architecture (resnet9, mlp, resnet50, vit) whose parameter names and
/// shapes equal `tensors`, inferring the width (and other shape settings) from the shapes.
/// `base` gives the data's input channels, image size and classes. `forced`: consider only that
/// architecture. Throws Error (prefixed with `origin`) naming the closest architecture and the
/// missing keys, unexpected keys and shape conflicts.
ModelSpec matchArchitecture(const TensorList& tensors, const ModelSpec& base, const std::string& forced,
                            const std::string& origin);

/// Copies `tensors` into `model` (converting dtype, moving to the model's device). Throws Error
/// (prefixed with `origin`) describing the mismatch if names or shapes differ.
void loadTensors(Net& model, const TensorList& tensors, const std::string& origin);

} // namespace memloc::core
