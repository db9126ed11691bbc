#include "analysis/unit_scores.h"

#include "memloc/error.h"

namespace memloc::core {

std::vector<ScoredParam> scoredParams(Net& model, const std::vector<LayerGroup>& groups, bool channelMode) {
    auto named = model.named_parameters();
    std::vector<ScoredParam> out;
    for (std::size_t g = 0; g < groups.size(); ++g)
        for (const auto& name : groups[g].parameters) {
            const torch::Tensor* p = named.find(name);
            if (!p) throw Error("layer group '" + groups[g].name + "' names unknown parameter '" + name + "'");
            out.push_back({g, name, *p, channelMode && p->dim() == 4, groups[g].indexesUnits(name)});
        }
    return out;
}

torch::Tensor unitScores(const std::vector<ScoredParam>& params) {
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> parts;
    parts.reserve(params.size());
    for (const auto& p : params) {
        const torch::Tensor& grad = p.param.grad();
        torch::Tensor s = grad.defined() ? p.param * grad : torch::zeros_like(p.param);
        parts.push_back(p.perChannel ? s.flatten(1).sum(1) : s.flatten());
    }
    return torch::cat(parts);
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
