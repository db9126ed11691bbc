#include "models/resnet9.h"

#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

struct ConvSpec {
    std::int64_t in, out, kernel, stride, padding;
};

// conv_bn of the Python reference: Conv2d(no bias) + BatchNorm2d + ReLU, children "0", "1", "2".
// The unit gate of the block is its child "3" (no parameters, so names are unaffected).
Chain convBn(const ConvSpec& c, std::vector<ChannelGate>& gates) {
    ChannelGate gate(c.out);
    gates.push_back(gate);
    Chain block;
    block->append(torch::nn::Conv2d(
                      torch::nn::Conv2dOptions(c.in, c.out, c.kernel).stride(c.stride).padding(c.padding).bias(false)))
        .append(torch::nn::BatchNorm2d(c.out))
        .append(torch::nn::ReLU(torch::nn::ReLUOptions().inplace(true)))
        .append(gate);
    return block;
}

// Two conv_bn blocks for a residual branch. Built in two statements so the gates are recorded
// in order (the evaluation order of function arguments is unspecified).
Chain convBnPair(std::int64_t channels, std::vector<ChannelGate>& gates) {
    Chain first = convBn({channels, channels, 3, 1, 1}, gates);
    Chain second = convBn({channels, channels, 3, 1, 1}, gates);
    Chain chain;
    chain->append(std::move(first)).append(std::move(second));
    return chain;
}

LayerGroup convGroup(const std::string& name, const std::string& prefix, std::int64_t units) {
    return {name, prefix, units, {prefix + ".0.weight", prefix + ".1.weight", prefix + ".1.bias"}};
}

} // namespace

ResidualImpl::ResidualImpl(Chain inner)
    : m_module(register_module("module", std::move(inner))) {}

torch::Tensor ResidualImpl::forward(const torch::Tensor& x) { return x + m_module->forward(x); }

ResNet9::ResNet9(const ModelSpec& spec) {
    const std::int64_t c64 = scaledWidth(64, spec.width);
    const std::int64_t c128 = scaledWidth(128, spec.width);
    const std::int64_t c256 = scaledWidth(256, spec.width);
    constexpr double kOutputScale = 0.2;

    auto& g = m_unitGates;
    append(convBn({spec.inChannels, c64, 3, 1, 1}, g), c64);                                      // 0
    append(convBn({c64, c128, 5, 2, 2}, g), c128);                                                // 1
    append(Residual(convBnPair(c128, g)), c128);                                                  // 2
    append(convBn({c128, c256, 3, 1, 1}, g), c256);                                               // 3
    append(torch::nn::MaxPool2d(2), c256);                                                        // 4
    append(Residual(convBnPair(c256, g)), c256);                                                  // 5
    append(convBn({c256, c128, 3, 1, 0}, g), c128);                                               // 6
    append(torch::nn::AdaptiveMaxPool2d(1));                                                      // 7
    append(torch::nn::Flatten());                                                                 // 8
    append(torch::nn::Linear(torch::nn::LinearOptions(c128, spec.numClasses).bias(false)));       // 9
    append(Scale(kOutputScale));                                                                  // 10
    m_unitGates.push_back(ChannelGate(spec.numClasses));
    gateAfter(9, m_unitGates.back());

    m_groups = {convGroup("conv1", "0", c64),           convGroup("conv2", "1", c128),
                convGroup("res1.a", "2.module.0", c128), convGroup("res1.b", "2.module.1", c128),
                convGroup("conv3", "3", c256),           convGroup("res2.a", "5.module.0", c256),
                convGroup("res2.b", "5.module.1", c256), convGroup("conv4", "6", c128),
                LayerGroup{"fc", "9", spec.numClasses, {"9.weight"}}};
}

std::vector<ConvBatchNorm> ResNet9::convBatchNorms() const {
    std::vector<ConvBatchNorm> out;
    for (const LayerGroup& g : m_groups)
        if (g.parameters.size() == 3 && g.parameters[0] == g.prefix + ".0.weight") out.push_back({g.parameters[0], g.prefix + ".1"});
    return out;
}

} // namespace memloc::core
