#pragma once
// The models memloc trains and analyses (internal: includes torch).

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace memloc::core {

/// A layer group (PAPER.md): the unit that rewinding, retraining and gradient accounting work on.
struct LayerGroup {
    std::string name;                     ///< display name, e.g. "conv1", "res1.a", "fc"
    std::string prefix;                   ///< module path, e.g. "2.module.0"
    std::int64_t units = 0;               ///< output channels (conv) or output features (linear)
    std::vector<std::string> parameters;  ///< trainable parameter names (no buffers)
};

/// What a model is built from; stored in the run file with the config.
struct ModelSpec {
    std::string architecture = "resnet9";  ///< resnet9 | mlp
    double width = 1.0;
    std::int64_t inChannels = 1;
    std::int64_t imageSize = 28;
    std::int64_t numClasses = 10;
};

/// Base of every model: a module with a forward pass and its layer groups.
class Net : public torch::nn::Module {
public:
    virtual torch::Tensor forward(const torch::Tensor& x) = 0;
    virtual std::vector<LayerGroup> layerGroups() const = 0;
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
    torch::Tensor forward(const torch::Tensor& x) override;
    std::vector<LayerGroup> layerGroups() const override { return m_groups; }

protected:
    template <typename ModuleHolder>
    void append(ModuleHolder module) {
        register_module(std::to_string(m_layers.size()), module.ptr());
        m_layers.emplace_back(std::move(module));
    }
    std::vector<LayerGroup> m_groups;

private:
    std::vector<torch::nn::AnyModule> m_layers;
};

/// Channel count after applying a width multiplier: max(1, round(base * width)), halves to even.
std::int64_t scaledWidth(std::int64_t base, double width);

/// Builds a freshly initialised model (PyTorch's default initialisation, drawn from the global
/// torch RNG, so call torch::manual_seed first for reproducibility). Throws Error on an unknown
/// architecture or non-positive width.
std::shared_ptr<Net> buildModel(const ModelSpec& spec);

} // namespace memloc::core
