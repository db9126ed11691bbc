#include "models/model.h"

#include "memloc/error.h"
#include "models/jit_net.h"
#include "models/mlp.h"
#include "models/resnet50.h"
#include "models/resnet9.h"
#include "models/vit.h"

#include <cmath>

namespace memloc::core {

std::int64_t scaledWidth(std::int64_t base, double width) {
    // nearbyint rounds halves to even, as Python's round() does in the reference models.
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::nearbyint(static_cast<double>(base) * width)));
}

std::shared_ptr<Net> buildModel(const ModelSpec& spec) {
    if (!(spec.width > 0) || spec.width > 16)
        throw Error("model width must be in (0, 16], got " + std::to_string(spec.width));
    if (spec.inChannels < 1 || spec.numClasses < 2 || spec.imageSize < 1)
        throw Error("model needs at least 1 input channel, 2 classes and a positive image size");
    if (spec.architecture == "resnet9") {
        // Two stride-2 stages and a 3x3 valid conv need at least 12 pixels.
        if (spec.imageSize < 12)
            throw Error("resnet9 needs images of at least 12x12 pixels, got " +
                        std::to_string(spec.imageSize));
        auto net = std::make_shared<ResNet9>(spec);
        if (spec.etd.enabled) net->enableEtd(spec.etd);
        return net;
    }
    if (spec.architecture == "mlp") {
        if (spec.etd.enabled) throw Error("example-tied dropout is available for resnet9 only");
        return std::make_shared<Mlp>(spec);
    }
    if (spec.architecture == "resnet50" || spec.architecture == "vit") {
        if (spec.etd.enabled) throw Error("example-tied dropout is available for resnet9 only");
        if (spec.architecture == "resnet50") return std::make_shared<ResNet50>(spec);
        return std::make_shared<Vit>(vitOptionsFor(spec));
    }
    if (spec.architecture == "torchscript") return std::make_shared<JitNet>(spec.torchscript, spec.scriptGroups, "TorchScript model");
    throw Error("unknown model '" + spec.architecture + "' (expected resnet9, mlp, resnet50 or vit)");
}

} // namespace memloc::core

namespace memloc::core {

torch::Tensor ChainImpl::forward(const torch::Tensor& x) {
    torch::Tensor h = x;
    for (auto& layer : m_layers) h = layer.forward(h);
    return h;
}

std::size_t blockOfGroup(const LayerGroup& group) {
    if (group.block != LayerGroup::kBlockFromPrefix) return group.block;
    return static_cast<std::size_t>(std::stoul(group.prefix.substr(0, group.prefix.find('.'))));
}

torch::Tensor SequentialNet::forwardRange(const torch::Tensor& x, std::size_t begin, std::size_t end) {
    torch::Tensor h = x;
    for (std::size_t i = begin; i < std::min(end, m_layers.size()); ++i) {
        h = m_layers[i].forward(h);
        for (auto& gate : m_after[i]) h = gate->forward(h);
    }
    return h;
}

void SequentialNet::enableEtd(const EtdSpec& spec) {
    m_hasEtd = !spec.blocks.empty();
    for (std::size_t k = 0; k < spec.blocks.size(); ++k) {
        const std::int64_t block = spec.blocks[k];
        if (block < 0 || block >= static_cast<std::int64_t>(m_layers.size()) || m_channels[static_cast<std::size_t>(block)] == 0)
            throw Error("example-tied dropout: block " + std::to_string(block) +
                        " has no channel output to drop (choose top-level conv or residual blocks)");
        ChannelGate gate(m_channels[static_cast<std::size_t>(block)]);
        gate->configureEtd(spec, static_cast<std::int64_t>(k), &m_context);
        gateAfter(static_cast<std::size_t>(block), gate);
    }
}

} // namespace memloc::core
