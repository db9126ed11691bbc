#include "import/arch_match.h"

#include "memloc/error.h"

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <sstream>

namespace memloc::core {

namespace {

std::string shapeText(const torch::Tensor& t) { return c10::str(t.sizes()); }

bool isBatchCounter(const std::string& name) {
    const std::string suffix = "num_batches_tracked";
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const torch::Tensor* findTensor(const TensorList& tensors, const std::string& name) {
    for (const auto& [key, value] : tensors)
        if (key == name) return &value;
    return nullptr;
}

/// A candidate: an architecture and the spec its shapes suggest, or nothing if the probe
/// tensor it needs is absent (then the architecture is tried at width 1 for the report).
struct Candidate {
    std::string architecture;
    std::vector<ModelSpec> specs;
};

ModelSpec withArch(const ModelSpec& base, const std::string& architecture, double width) {
    ModelSpec s = base;
    s.architecture = architecture;
    s.width = width;
    return s;
}

/// Width from a probe tensor's leading size against the architecture's base channel count.
double widthFrom(const TensorList& tensors, const std::string& probe, std::int64_t baseChannels, std::int64_t minDims) {
    const torch::Tensor* t = findTensor(tensors, probe);
    if (!t || t->dim() < minDims) return 0;
    return static_cast<double>(t->size(0)) / static_cast<double>(baseChannels);
}

/// ResNet-50 and ViT candidates (their settings are told by several shapes).
void addMoreCandidates(const TensorList& tensors, const ModelSpec& base, std::vector<Candidate>& out) {
    // ResNet-50: conv1 [64w, C, k, k]; k = 7 is the ImageNet stem, 3 the CIFAR one.
    Candidate resnet{"resnet50", {}};
    ModelSpec r = withArch(base, "resnet50", std::max(widthFrom(tensors, "conv1.weight", 64, 4), 0.0));
    if (const torch::Tensor* conv1 = findTensor(tensors, "conv1.weight"); conv1 && conv1->dim() == 4)
        r.resnetStem = conv1->size(2) == 7 ? "imagenet" : "cifar";
    if (!(r.width > 0)) r.width = 1.0;
    resnet.specs.push_back(r);
    out.push_back(resnet);

    // ViT: pos_embedding [1, tokens, 512w]; tokens = (image / patch)^2 + 1.
    Candidate vit{"vit", {}};
    ModelSpec v = withArch(base, "vit", 1.0);
    if (const torch::Tensor* pos = findTensor(tensors, "pos_embedding"); pos && pos->dim() == 3) {
        v.width = static_cast<double>(pos->size(2)) / 512.0;
        const auto side = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(pos->size(1) - 1))));
        if (side > 0 && base.imageSize % side == 0) v.patchSize = base.imageSize / side;
    }
    vit.specs.push_back(v);
    out.push_back(vit);
}

std::vector<Candidate> candidates(const TensorList& tensors, const ModelSpec& base) {
    std::vector<Candidate> out;
    auto add = [&](const std::string& arch, double width, std::vector<ModelSpec> variants = {}) {
        Candidate c{arch, {}};
        const double w = width > 0 ? width : 1.0;
        if (variants.empty()) variants.push_back(withArch(base, arch, w));
        for (ModelSpec& v : variants) v.width = w;
        c.specs = std::move(variants);
        out.push_back(std::move(c));
    };
    add("resnet9", widthFrom(tensors, "0.0.weight", 64, 4));
    add("mlp", widthFrom(tensors, "1.weight", 512, 2));
    addMoreCandidates(tensors, base, out);
    return out;
}

} // namespace

std::string TensorMismatch::describe(std::size_t perList) const {
    std::ostringstream s;
    auto list = [&](const char* title, const std::vector<std::string>& items) {
        if (items.empty()) return;
        s << "\n  " << title << " (" << items.size() << "): ";
        for (std::size_t i = 0; i < items.size() && i < perList; ++i) s << (i ? ", " : "") << items[i];
        if (items.size() > perList) s << ", ... (" << items.size() - perList << " more)";
    };
    list("missing from the file", missing);
    list("unexpected in the file", unexpected);
    list("shape conflicts", conflicts);
    return s.str();
}

TensorMismatch compareTensors(const TensorList& tensors, Net& model) {
    std::map<std::string, torch::Tensor> expected;
    for (const auto& p : model.named_parameters()) expected[p.key()] = p.value();
    for (const auto& b : model.named_buffers()) expected[b.key()] = b.value();
    TensorMismatch m;
    std::map<std::string, bool> present;
    for (const auto& [name, tensor] : tensors) {
        present[name] = true;
        auto it = expected.find(name);
        if (it == expected.end()) {
            m.unexpected.push_back(name);
        } else if (!tensor.sizes().equals(it->second.sizes())) {
            m.conflicts.push_back(name + ": file " + shapeText(tensor) + " vs model " + shapeText(it->second));
        } else {
            ++m.matched;
        }
    }
    for (const auto& [name, tensor] : expected)
        if (!present.count(name) && !isBatchCounter(name)) m.missing.push_back(name);
    return m;
}

ModelSpec matchArchitecture(const TensorList& tensors, const ModelSpec& base, const std::string& forced,
                            const std::string& origin) {
    std::string bestDescription;
    std::size_t bestScore = 0;
    bool any = false;
    for (const Candidate& c : candidates(tensors, base)) {
        if (!forced.empty() && c.architecture != forced) continue;
        for (const ModelSpec& spec : c.specs) {
            std::shared_ptr<Net> model;
            try {
                model = buildModel(spec);
            } catch (const Error& e) {
                if (!any || bestScore == 0) bestDescription = c.architecture + ": " + e.what();
                any = true;
                continue;
            }
            const TensorMismatch m = compareTensors(tensors, *model);
            if (m.exact()) return spec;
            if (!any || m.matched > bestScore) {
                std::ostringstream d;
                d << c.architecture << " (width " << spec.width << ", " << m.matched << " of " << tensors.size()
                  << " tensors match)" << m.describe();
                bestDescription = d.str();
                bestScore = m.matched;
            }
            any = true;
        }
    }
    if (!any) throw Error(origin + ": unknown model '" + forced + "' (expected resnet9, mlp, resnet50, vit or torchscript)");
    throw Error(origin + ": the tensors match no built-in architecture" +
                (forced.empty() ? std::string() : " of the chosen kind") + "; closest: " + bestDescription);
}

void loadTensors(Net& model, const TensorList& tensors, const std::string& origin) {
    const TensorMismatch m = compareTensors(tensors, model);
    if (!m.exact()) throw Error(origin + ": the tensors do not fit the model:" + m.describe());
    std::map<std::string, torch::Tensor> targets;
    for (auto& p : model.named_parameters()) targets[p.key()] = p.value();
    for (auto& b : model.named_buffers()) targets[b.key()] = b.value();
    torch::NoGradGuard noGrad;
    for (const auto& [name, tensor] : tensors) {
        torch::Tensor& target = targets.at(name);
        target.copy_(tensor.to(target.device(), target.scalar_type()));
    }
}

} // namespace memloc::core
