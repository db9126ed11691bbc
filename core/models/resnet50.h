#pragma once
// ResNet-50 with torchvision's module layout and parameter names (internal: includes torch).

#include "models/model.h"

#include <cstdint>
#include <vector>

namespace memloc::core {

/// torchvision's Bottleneck (v1.5: the stride sits on the 3x3 conv2): conv1 1x1 -> bn1 -> ReLU ->
/// conv2 3x3/stride -> bn2 -> ReLU -> conv3 1x1 (4 x planes) -> bn3, plus the shortcut
/// (downsample.0 1x1 conv/stride + downsample.1 BatchNorm when the shape changes), then ReLU.
class BottleneckImpl : public torch::nn::Module {
public:
    static constexpr std::int64_t kExpansion = 4;
    BottleneckImpl(std::int64_t inPlanes, std::int64_t planes, std::int64_t stride);
    torch::Tensor forward(const torch::Tensor& x);

private:
    torch::nn::Conv2d m_conv1{nullptr}, m_conv2{nullptr}, m_conv3{nullptr};
    torch::nn::BatchNorm2d m_bn1{nullptr}, m_bn2{nullptr}, m_bn3{nullptr};
    Chain m_downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

/// torchvision.models.resnet50 with fc replaced for spec.numClasses classes: conv1 (7x7/2, pad 3)
/// -> bn1 -> ReLU -> maxpool 3x3/2 -> layer1..layer4 (3, 4, 6, 3 bottlenecks of planes 64, 128,
/// 256, 512; strides 1, 2, 2, 2) -> global average pool -> fc. spec.resnetStem "cifar" makes
/// conv1 3x3/1 (pad 1) without the maxpool, same names. Every channel count times spec.width.
/// Initialisation as torchvision: convs Kaiming-normal (fan_out, ReLU), BatchNorm 1/0, fc default.
///
/// Top-level blocks (forwardRange): 0 stem, 1..4 layer1..layer4, 5 head (pool + fc).
/// Layer groups: stem (conv1 + bn1; units 64w), layer1..layer4 (units = output channels,
/// 4 x planes), fc (units = classes); each group's unit gate acts on its block's output.
class ResNet50 : public Net {
public:
    explicit ResNet50(const ModelSpec& spec);
    torch::Tensor forward(const torch::Tensor& x) override { return forwardRange(x, 0, blockCount()); }
    std::vector<LayerGroup> layerGroups() const override { return m_groups; }
    std::size_t blockCount() const override { return 6; }
    torch::Tensor forwardRange(const torch::Tensor& x, std::size_t begin, std::size_t end) override;
    /// conv1 -> bn1 (stem and every bottleneck), conv2 -> bn2, conv3 -> bn3, downsample.0 -> .1.
    std::vector<ConvBatchNorm> convBatchNorms() const override;

private:
    torch::nn::Conv2d m_conv1{nullptr};
    torch::nn::BatchNorm2d m_bn1{nullptr};
    bool m_maxPool = true;
    std::vector<Chain> m_stages;  ///< layer1..layer4
    torch::nn::Linear m_fc{nullptr};
    std::vector<LayerGroup> m_groups;
};

} // namespace memloc::core
