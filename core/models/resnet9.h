#pragma once
// ResNet-9 exactly as the paper's published code builds it, with PyTorch's nn.Sequential parameter names.

#include "models/model.h"

#include <vector>

namespace memloc::core {

/// Adds a residual connection around a module; the child is named "module" as in the Python.
class ResidualImpl : public torch::nn::Module {
public:
    explicit ResidualImpl(Chain inner);
    torch::Tensor forward(const torch::Tensor& x);

private:
    Chain m_module;
};
TORCH_MODULE(Residual);

/// Multiplies its input by a constant (the final x0.2 of ResNet-9).
class ScaleImpl : public torch::nn::Module {
public:
    explicit ScaleImpl(double factor) : m_factor(factor) {}
    torch::Tensor forward(const torch::Tensor& x) { return x * m_factor; }

private:
    double m_factor;
};
TORCH_MODULE(Scale);

/// conv_bn(in,64) -> conv_bn(64,128,k5,s2,p2) -> Residual(conv_bn, conv_bn) -> conv_bn(128,256)
/// -> MaxPool2d(2) -> Residual(conv_bn, conv_bn) -> conv_bn(256,128,p0) -> AdaptiveMaxPool2d(1)
/// -> Flatten -> Linear(128, C, no bias) -> x0.2; every channel count times the width.
/// Top-level children are named "0".."10" so parameter names match the Python nn.Sequential.
class ResNet9 : public SequentialNet {
public:
    explicit ResNet9(const ModelSpec& spec);
    /// Each conv_bn block: child "0" (Conv2d, no bias) feeds child "1" (BatchNorm2d).
    std::vector<ConvBatchNorm> convBatchNorms() const override;
};

} // namespace memloc::core
