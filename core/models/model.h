#pragma once
// The models memloc trains and analyses (internal: includes torch).

#include "models/channel_gate.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace memloc::core {

/// A layer group: the unit that rewinding, retraining and gradient accounting work on.
struct LayerGroup {
    std::string name;                     ///< display name, e.g. "conv1", "res1.a", "fc"
    std::string prefix;                   ///< module path, e.g. "2.module.0"
    std::int64_t units = 0;               ///< output channels (conv) or output features (linear)
    std::vector<std::string> parameters;  ///< trainable parameter names (no buffers)
    /// Top-level block (index for Net::forwardRange) that computes the group; kBlockFromPrefix:
    /// the first component of `prefix` is that index ("2.module.0" -> 2).
    std::size_t block = kBlockFromPrefix;
    /// Module paths making up the group (their buffers belong to it and they are put in train
    /// mode when it is retrained); empty: just `prefix`.
    std::vector<std::string> modules;
    /// Parameters whose first dimension indexes the group's units (per-unit attribution and the
    /// unit a flipped parameter element belongs to); empty: every parameter in `parameters`.
    /// E.g. a ResNet-50 stage's units are its output channels: the blocks' conv3/bn3 and
    /// downsample parameters, not the inner conv1/conv2 (which have fewer channels).
    std::vector<std::string> unitParameters;

    static constexpr std::size_t kBlockFromPrefix = static_cast<std::size_t>(-1);
    /// `modules`, or {prefix} when it is empty.
    std::vector<std::string> modulePaths() const { return modules.empty() ? std::vector<std::string>{prefix} : modules; }
    /// Whether parameter `name` (one of `parameters`) is laid out along the group's units.
    bool indexesUnits(const std::string& name) const {
        return unitParameters.empty() || std::find(unitParameters.begin(), unitParameters.end(), name) != unitParameters.end();
    }
};

/// A convolution without bias whose output goes only into a BatchNorm2d, with nothing between.
/// In eval mode its channels' w*grad scores follow from the BatchNorm's gradients (unit_scores.h).
struct ConvBatchNorm {
    std::string convWeight;  ///< parameter name, e.g. "0.0.weight"
    std::string batchNorm;   ///< module path, e.g. "0.1"
};

/// What a model is built from; stored in the run file with the config.
struct ModelSpec {
    std::string architecture = "resnet9";  ///< resnet9 | mlp | resnet50 | vit | ...
    double width = 1.0;
    std::int64_t inChannels = 1;
    std::int64_t imageSize = 28;
    std::int64_t numClasses = 10;
    EtdSpec etd;  ///< example-tied dropout (ResNet-9 only)
    /// architecture "torchscript": the serialized module and its layer groups
    /// ("name=module.path,..."; empty: one per top-level child with parameters).
    std::string torchscript;
    std::string scriptGroups;
    std::string resnetStem = "imagenet";  ///< resnet50: imagenet (7x7/2 conv + maxpool) | cifar (3x3/1 conv)
    std::int64_t patchSize = 2;           ///< vit: patch side in pixels; must divide imageSize
};

/// Base of every model: a module with a forward pass, its layer groups, one unit gate per group
/// (to drop units: mask output channels of the group to zero) and a per-forward context.
class Net : public torch::nn::Module {
public:
    virtual torch::Tensor forward(const torch::Tensor& x) = 0;
    virtual std::vector<LayerGroup> layerGroups() const = 0;
    /// Number of top-level blocks; forwardRange(x, 0, blockCount()) == forward(x).
    virtual std::size_t blockCount() const = 0;
    /// Runs top-level blocks [begin, end) on `x` (their outputs' gates included). Lets analyses
    /// cache the activations before the first block they change.
    virtual torch::Tensor forwardRange(const torch::Tensor& x, std::size_t begin, std::size_t end) = 0;

    /// Every ConvBatchNorm pair of the model; empty when none is declared (the default).
    virtual std::vector<ConvBatchNorm> convBatchNorms() const { return {}; }

    /// The gate on layer group `group`'s output (after its activation).
    ChannelGateImpl& unitGate(std::size_t group) { return *m_unitGates.at(group); }
    std::size_t unitGateCount() const { return m_unitGates.size(); }
    /// Keeps every unit again.
    void clearUnitMasks() {
        for (auto& g : m_unitGates) g->setKeep({});
    }
    ForwardContext& context() { return m_context; }
    /// Whether the model has example-tied dropout layers.
    bool hasEtd() const { return m_hasEtd; }

protected:
    bool m_hasEtd = false;
    std::vector<ChannelGate> m_unitGates;  ///< index = layer group
    ForwardContext m_context;
};

/// Runs its children in order; children are named "0", "1", ... like a Python nn.Sequential.
/// (torch::nn::Sequential cannot be nested inside AnyModule, hence this small container.)
class ChainImpl : public torch::nn::Module {
public:
    template <typename ModuleHolder>
    ChainImpl& append(ModuleHolder module) {
        register_module(std::to_string(m_layers.size()), module.ptr());
        m_layers.emplace_back(std::move(module));
        return *this;
    }
    torch::Tensor forward(const torch::Tensor& x);

private:
    std::vector<torch::nn::AnyModule> m_layers;
};
TORCH_MODULE(Chain);

/// A net whose top-level children run in order and are named "0", "1", ... like a Python
/// nn.Sequential, so parameter names interoperate with PyTorch checkpoints.
class SequentialNet : public Net {
public:
    torch::Tensor forward(const torch::Tensor& x) override { return forwardRange(x, 0, m_layers.size()); }
    std::size_t blockCount() const override { return m_layers.size(); }
    torch::Tensor forwardRange(const torch::Tensor& x, std::size_t begin, std::size_t end) override;
    std::vector<LayerGroup> layerGroups() const override { return m_groups; }

    /// Adds example-tied dropout gates after the top-level blocks `spec.blocks` (each must output
    /// [B, C, H, W]). Throws Error for a block index out of range or without channels.
    void enableEtd(const EtdSpec& spec);

protected:
    /// Appends a top-level child; `channels` = its output channels (0 if not an image tensor).
    template <typename ModuleHolder>
    void append(ModuleHolder module, std::int64_t channels = 0) {
        register_module(std::to_string(m_layers.size()), module.ptr());
        m_layers.emplace_back(std::move(module));
        m_channels.push_back(channels);
        m_after.emplace_back();
    }
    /// Applies `gate` to the output of top-level child `index` (not registered: no state).
    void gateAfter(std::size_t index, ChannelGate gate) { m_after.at(index).push_back(std::move(gate)); }
    std::vector<LayerGroup> m_groups;

private:
    std::vector<torch::nn::AnyModule> m_layers;
    std::vector<std::int64_t> m_channels;
    std::vector<std::vector<ChannelGate>> m_after;
};

/// The top-level block holding a group: `group.block`, or the first component of its prefix.
std::size_t blockOfGroup(const LayerGroup& group);

/// Channel count after applying a width multiplier: max(1, round(base * width)), halves to even.
std::int64_t scaledWidth(std::int64_t base, double width);

/// Builds a freshly initialised model (PyTorch's default initialisation; resnet50 as torchvision;
/// drawn from the global torch RNG, so call torch::manual_seed first for reproducibility). Throws
/// Error on an unknown architecture, a non-positive width, example-tied dropout outside resnet9,
/// a vit patch size not dividing the image or a vit dim (512 x width) not a multiple of 8.
std::shared_ptr<Net> buildModel(const ModelSpec& spec);

} // namespace memloc::core
