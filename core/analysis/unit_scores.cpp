#include "analysis/unit_scores.h"

#include "memloc/error.h"

#include <cstdint>
#include <map>
#include <set>

namespace memloc::core {

namespace {

/// The BatchNorm after each conv weight the model declares (Net::convBatchNorms), by weight name,
/// where that BatchNorm is affine, tracks running statistics and has its weight and bias among
/// the `scored` parameter names.
std::map<std::string, BatchNormAfter> batchNormsAfter(Net& model, const std::set<std::string>& scored) {
    std::map<std::string, BatchNormAfter> out;
    const auto modules = model.named_modules();
    for (const ConvBatchNorm& pair : model.convBatchNorms()) {
        const auto* found = modules.find(pair.batchNorm);
        auto bn = found ? std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(*found) : nullptr;
        if (!bn || !bn->options.affine() || !bn->options.track_running_stats()) continue;
        if (!scored.count(pair.batchNorm + ".weight") || !scored.count(pair.batchNorm + ".bias")) continue;
        out.emplace(pair.convWeight, BatchNormAfter{bn});
    }
    return out;
}

bool derivable(const ScoredParam& p) {
    return p.batchNorm && !p.batchNorm->module->is_training() && p.batchNorm->module->weight.grad().defined() &&
           p.batchNorm->module->bias.grad().defined();
}

/// sum over (in, kh, kw) of w * dL/dw for a conv weight from its BatchNorm's gradients.
torch::Tensor derivedChannelScores(const ScoredParam& p) {
    const torch::nn::BatchNorm2dImpl& bn = *p.batchNorm->module;
    const torch::Tensor gamma = bn.weight.detach();
    const torch::Tensor sigma = (bn.running_var + bn.options.eps()).sqrt();
    torch::Tensor s = gamma * bn.weight.grad() + gamma * bn.running_mean / sigma * bn.bias.grad();
    // A zeroed channel scores exactly 0 (the identity leaves rounding residue).
    return s.masked_fill(p.param.flatten(1).abs().amax(1).eq(0), 0);
}

} // namespace

std::vector<ScoredParam> scoredParams(Net& model, const std::vector<LayerGroup>& groups, bool channelMode) {
    auto named = model.named_parameters();
    std::set<std::string> scored;
    for (const auto& g : groups) scored.insert(g.parameters.begin(), g.parameters.end());
    const std::map<std::string, BatchNormAfter> batchNorms = batchNormsAfter(model, scored);
    std::vector<ScoredParam> out;
    for (std::size_t g = 0; g < groups.size(); ++g)
        for (const auto& name : groups[g].parameters) {
            const torch::Tensor* p = named.find(name);
            if (!p) throw Error("layer group '" + groups[g].name + "' names unknown parameter '" + name + "'");
            ScoredParam sp{g, name, *p, channelMode && p->dim() == 4, groups[g].indexesUnits(name), std::nullopt};
            if (const auto it = batchNorms.find(name); sp.perChannel && it != batchNorms.end()) sp.batchNorm = it->second;
            out.push_back(std::move(sp));
        }
    return out;
}

torch::Tensor unitScores(const std::vector<ScoredParam>& params) {
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> parts;
    parts.reserve(params.size());
    for (const auto& p : params) {
        const torch::Tensor& grad = p.param.grad();
        if (!grad.defined() && p.perChannel && derivable(p)) {
            parts.push_back(derivedChannelScores(p));
            continue;
        }
        torch::Tensor s = grad.defined() ? p.param * grad : torch::zeros_like(p.param);
        parts.push_back(p.perChannel ? s.flatten(1).sum(1) : s.flatten());
    }
    return torch::cat(parts);
}

SkipConvWeightGradients::SkipConvWeightGradients(const std::vector<ScoredParam>& params) {
    for (const auto& p : params)
        if (p.perChannel && p.batchNorm && !p.batchNorm->module->is_training() && p.param.requires_grad()) {
            m_disabled.push_back(p.param);
            m_disabled.back().requires_grad_(false);
        }
}

SkipConvWeightGradients::~SkipConvWeightGradients() {
    for (auto& t : m_disabled) t.requires_grad_(true);
}

std::pair<std::size_t, std::int64_t> locateUnit(const std::vector<ScoredParam>& params, std::int64_t flat) {
    for (std::size_t i = 0; i < params.size(); ++i) {
        const std::int64_t n = params[i].unitCount();
        if (flat < n) return {i, flat};
        flat -= n;
    }
    throw Error("unit index out of range");
}

void zeroUnit(ScoredParam& p, std::int64_t unit) {
    torch::NoGradGuard noGrad;
    if (p.perChannel)
        p.param[unit].zero_();
    else
        p.param.view({-1})[unit].zero_();
}

std::vector<torch::Tensor> channelScores(Net& model, const std::vector<LayerGroup>& groups) {
    torch::NoGradGuard noGrad;
    auto named = model.named_parameters();
    std::vector<torch::Tensor> out;
    for (const auto& g : groups) {
        torch::Tensor total = torch::zeros({g.units}, torch::kDouble);
        for (const auto& name : g.parameters) {
            const torch::Tensor& p = named[name];
            if (!g.indexesUnits(name) || !p.grad().defined()) continue;
            total += (p * p.grad()).reshape({p.size(0), -1}).sum(1).to(torch::kDouble).cpu();
        }
        out.push_back(total);
    }
    return out;
}

} // namespace memloc::core
