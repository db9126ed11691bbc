#pragma once
// A TorchScript module of any architecture as a memloc model (internal: torch).

#include "models/model.h"

#include <torch/script.h>

#include <string>
#include <vector>

namespace memloc::core {

/// Wraps a TorchScript module: its parameters and buffers appear under their TorchScript names
/// (the same tensors, so edits through either side are seen by both), forward runs the script,
/// train()/eval() reach the script's modules. The whole forward is one block.
///
/// Layer groups: one per top-level child holding parameters, or as `groupsSpec` says
/// ("name=module.path,name=module.path"; a group holds every parameter under its path). A
/// group's units are the output units (leading dimension) of its last parameter. Dropping a unit
/// zeroes that unit's slice of every parameter of the group's last module for the forward pass
/// (exact for conv/linear + BatchNorm + ReLU or GELU blocks; an approximation for a whole
/// residual stage, whose skip path is not masked). Masks apply in forwards without autograd.
class JitNet : public Net {
public:
    /// `archive`: the bytes of a TorchScript file. Throws Error (prefixed with `origin`) if it is
    /// not TorchScript, has no parameters, or `groupsSpec` names a missing path or overlaps.
    JitNet(const std::string& archive, const std::string& groupsSpec, const std::string& origin);

    torch::Tensor forward(const torch::Tensor& x) override;
    std::vector<LayerGroup> layerGroups() const override { return m_groups; }
    std::size_t blockCount() const override { return 1; }
    torch::Tensor forwardRange(const torch::Tensor& x, std::size_t begin, std::size_t end) override;
    void train(bool on = true) override;

    /// Whether `archive` starts like a TorchScript zip (holds a code/ folder or constants.pkl).
    static bool looksLikeTorchScript(const std::string& archive);

private:
    torch::jit::Module m_module;
    std::vector<LayerGroup> m_groups;
    std::vector<std::vector<torch::Tensor>> m_maskedParams;  ///< per group: the last module's unit slices
};

} // namespace memloc::core
