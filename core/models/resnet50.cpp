#include "models/resnet50.h"

#include "memloc/error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

torch::nn::Conv2d conv(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride, std::int64_t padding) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}

// torchvision's ResNet.__init__ initialisation, applied to every module below `root`.
void initLikeTorchvision(torch::nn::Module& root) {
    torch::NoGradGuard noGrad;
    for (auto& m : root.modules(/*include_self=*/false)) {
        if (auto* c = m->as<torch::nn::Conv2d>()) {
            torch::nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
        } else if (auto* b = m->as<torch::nn::BatchNorm2d>()) {
            torch::nn::init::ones_(b->weight);
            torch::nn::init::zeros_(b->bias);
        }
    }
}

} // namespace

BottleneckImpl::BottleneckImpl(std::int64_t inPlanes, std::int64_t planes, std::int64_t stride) {
    const std::int64_t out = planes * kExpansion;
    m_conv1 = register_module("conv1", conv(inPlanes, planes, 1, 1, 0));
    m_bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
    m_conv2 = register_module("conv2", conv(planes, planes, 3, stride, 1));
    m_bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
    m_conv3 = register_module("conv3", conv(planes, out, 1, 1, 0));
    m_bn3 = register_module("bn3", torch::nn::BatchNorm2d(out));
    if (stride != 1 || inPlanes != out) {
        Chain shortcut;
        shortcut->append(conv(inPlanes, out, 1, stride, 0)).append(torch::nn::BatchNorm2d(out));
        m_downsample = register_module("downsample", shortcut);
    }
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x) {
    torch::Tensor out = torch::relu(m_bn1->forward(m_conv1->forward(x)));
    out = torch::relu(m_bn2->forward(m_conv2->forward(out)));
    out = m_bn3->forward(m_conv3->forward(out));
    out += m_downsample ? m_downsample->forward(x) : x;
    return torch::relu(out);
}

ResNet50::ResNet50(const ModelSpec& spec) {
    constexpr std::int64_t kStemChannels = 64;
    constexpr std::int64_t kBlocks[] = {3, 4, 6, 3};
    constexpr std::int64_t kPlanes[] = {64, 128, 256, 512};
    if (spec.resnetStem != "imagenet" && spec.resnetStem != "cifar")
        throw Error("resnet50: stem must be imagenet or cifar, got '" + spec.resnetStem + "'");
    m_maxPool = spec.resnetStem == "imagenet";

    const std::int64_t stem = scaledWidth(kStemChannels, spec.width);
    m_conv1 = register_module("conv1", m_maxPool ? conv(spec.inChannels, stem, 7, 2, 3) : conv(spec.inChannels, stem, 3, 1, 1));
    m_bn1 = register_module("bn1", torch::nn::BatchNorm2d(stem));
    m_unitGates.push_back(ChannelGate(stem));
    m_groups.push_back(LayerGroup{"stem", "conv1", stem, {"conv1.weight", "bn1.weight", "bn1.bias"}, 0, {"conv1", "bn1"}, {}});

    std::int64_t inPlanes = stem;
    for (std::size_t s = 0; s < 4; ++s) {
        const std::string name = "layer" + std::to_string(s + 1);
        const std::int64_t planes = scaledWidth(kPlanes[s], spec.width);
        const std::int64_t out = planes * BottleneckImpl::kExpansion;
        Chain stage;
        for (std::int64_t b = 0; b < kBlocks[s]; ++b) {
            stage->append(Bottleneck(inPlanes, planes, b == 0 && s > 0 ? 2 : 1));
            inPlanes = out;
        }
        m_stages.push_back(register_module(name, stage));
        m_unitGates.push_back(ChannelGate(out));

        LayerGroup group{name, name, out, {}, s + 1, {}, {}};
        for (const auto& p : stage->named_parameters()) {
            const std::string full = name + "." + p.key();
            group.parameters.push_back(full);
            // The stage's units are the channels its blocks output: conv3/bn3 and the shortcut.
            const std::string& k = p.key();
            if (k.find(".conv3.") != std::string::npos || k.find(".bn3.") != std::string::npos ||
                k.find(".downsample.") != std::string::npos)
                group.unitParameters.push_back(full);
        }
        m_groups.push_back(std::move(group));
    }

    m_fc = register_module("fc", torch::nn::Linear(inPlanes, spec.numClasses));
    m_unitGates.push_back(ChannelGate(spec.numClasses));
    m_groups.push_back(LayerGroup{"fc", "fc", spec.numClasses, {"fc.weight", "fc.bias"}, 5, {}, {}});
    initLikeTorchvision(*this);
}

torch::Tensor ResNet50::forwardRange(const torch::Tensor& x, std::size_t begin, std::size_t end) {
    torch::Tensor h = x;
    for (std::size_t block = begin; block < std::min(end, blockCount()); ++block) {
        if (block == 0) {
            h = torch::relu(m_bn1->forward(m_conv1->forward(h)));
            if (m_maxPool) h = torch::max_pool2d(h, 3, 2, 1);
        } else if (block <= m_stages.size()) {
            h = m_stages[block - 1]->forward(h);
        } else {
            h = m_fc->forward(torch::adaptive_avg_pool2d(h, {1, 1}).flatten(1));
        }
        // The stem's gate after the max pool: zeroing a channel there equals zeroing it after the
        // ReLU (pooling is per channel and a zero channel pools to zero).
        h = m_unitGates[block]->forward(h);
    }
    return h;
}

std::vector<ConvBatchNorm> ResNet50::convBatchNorms() const {
    auto endsWith = [](const std::string& s, const std::string& tail) {
        return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
    };
    std::vector<ConvBatchNorm> out;
    for (const auto& p : named_parameters()) {
        const std::string& name = p.key();
        const std::string head = name.substr(0, name.size() - std::min<std::size_t>(name.size(), 12));
        if (endsWith(name, "downsample.0.weight"))
            out.push_back({name, name.substr(0, name.size() - 8) + "1"});
        else
            for (const char* k : {"1", "2", "3"})
                if (endsWith(name, std::string("conv") + k + ".weight")) out.push_back({name, head + "bn" + k});
    }
    return out;
}

} // namespace memloc::core
