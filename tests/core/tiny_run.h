#pragma once
// Shared pieces of the core test suites: a tiny synthetic run configuration and model state
// snapshots (internal headers: torch).

#include "memloc/run_config.h"
#include "models/model.h"

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>

namespace memloc::core::testing {

/// 256 synthetic 16x16 training images of 4 classes with 20% label noise, 64 test images,
/// ResNet-9 at width 0.125, batch 32, on the CPU; a few seconds per dozen epochs.
inline RunConfig tinyConfig(std::int64_t epochs) {
    RunConfig c;
    c.dataset = "synthetic";
    c.syntheticTrain = 256;
    c.syntheticTest = 64;
    c.syntheticSize = 16;
    c.syntheticClasses = 4;
    c.noise = 0.2;
    c.model = "resnet9";
    c.width = 0.125;
    c.epochs = epochs;
    c.batchSize = 32;
    c.lr = 0.05;
    c.device = "cpu";
    return c;
}

/// Copies of every parameter and buffer, by name.
inline std::map<std::string, torch::Tensor> snapshot(Net& model) {
    std::map<std::string, torch::Tensor> s;
    for (const auto& p : model.named_parameters()) s[p.key()] = p.value().detach().clone();
    for (const auto& b : model.named_buffers()) s[b.key()] = b.value().clone();
    return s;
}

/// Whether two snapshots hold the same names with bit-identical tensors.
inline bool sameState(const std::map<std::string, torch::Tensor>& a, const std::map<std::string, torch::Tensor>& b) {
    if (a.size() != b.size()) return false;
    for (const auto& [name, t] : a)
        if (!b.count(name) || !t.equal(b.at(name))) return false;
    return true;
}

} // namespace memloc::core::testing
