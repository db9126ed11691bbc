#include "training/gradient_accountant.h"

#include "dist/process_group.h"
#include "memloc/error.h"

#include <cmath>
#include <cstdint>
#include <map>
#include <string>

namespace memloc::core {

GradientAccountant::GradientAccountant(Net& model, std::vector<LayerGroup> groups) {
    std::map<std::string, torch::Tensor> params;
    for (const auto& p : model.named_parameters()) params.emplace(p.key(), p.value());
    for (const auto& group : groups) {
        std::vector<std::size_t> members;
        for (const auto& name : group.parameters) {
            auto it = params.find(name);
            if (it == params.end()) throw Error("layer group '" + group.name + "' names unknown parameter '" + name + "'");
            members.push_back(m_tracked.size());
            const torch::Tensor& p = it->second;
            m_tracked.push_back({p, torch::zeros_like(p), torch::zeros_like(p), torch::zeros_like(p)});
        }
        m_groupMembers.push_back(std::move(members));
    }
}

void GradientAccountant::beginEpoch() {
    torch::NoGradGuard noGrad;
    for (auto& t : m_tracked) {
        t.cleanSum.zero_();
        t.noisySum.zero_();
    }
}

void GradientAccountant::allReduceSums() {
    std::vector<torch::Tensor> sums;
    for (auto& t : m_tracked) {
        sums.push_back(t.cleanSum);
        sums.push_back(t.noisySum);
    }
    dist::allReduceSum(sums);
}

void GradientAccountant::backward(const torch::Tensor& losses, const torch::Tensor& noisy, std::int64_t noisyCount,
                                  double batch) {
    if (!(batch > 0)) batch = static_cast<double>(losses.size(0));
    const std::int64_t cleanCount = losses.size(0) - noisyCount;
    const torch::Tensor zero = torch::zeros({}, losses.options());
    torch::Tensor cleanLoss = torch::where(noisy, zero, losses).sum() / batch;
    torch::Tensor noisyLoss = torch::where(noisy, losses, zero).sum() / batch;

    // A batch with only one kind of example needs a single backward pass.
    if (noisyCount == 0 || cleanCount == 0) {
        (noisyCount == 0 ? cleanLoss : noisyLoss).backward();
        torch::NoGradGuard noGrad;
        for (auto& t : m_tracked)
            if (t.param.grad().defined()) (noisyCount == 0 ? t.cleanSum : t.noisySum).add_(t.param.grad());
        return;
    }

    cleanLoss.backward({}, /*retain_graph=*/true);
    {
        torch::NoGradGuard noGrad;
        for (auto& t : m_tracked) {
            torch::Tensor g = t.param.grad();
            if (!g.defined()) continue;
            t.cleanSum.add_(g);
            t.scratch.copy_(g);
            g.zero_();
        }
    }
    // Untracked parameters (none in the built-in models) simply accumulate both passes.
    noisyLoss.backward();
    torch::NoGradGuard noGrad;
    for (auto& t : m_tracked) {
        torch::Tensor g = t.param.grad();
        if (!g.defined()) continue;
        t.noisySum.add_(g);
        g.add_(t.scratch);
    }
}

EpochAccounting GradientAccountant::endEpoch() const {
    torch::NoGradGuard noGrad;
    EpochAccounting out;
    for (const auto& members : m_groupMembers) {
        double clean = 0, noisy = 0, total = 0, cosine = 0;
        for (std::size_t i : members) {
            const Tracked& t = m_tracked[i];
            const torch::Tensor c = t.cleanSum.to(torch::kDouble).flatten();
            const torch::Tensor n = t.noisySum.to(torch::kDouble).flatten();
            const torch::Tensor stats = torch::stack({c.norm(), n.norm(), (c + n).norm(), c.dot(n)}).cpu();
            const double* s = stats.data_ptr<double>();
            const double scale = std::sqrt(static_cast<double>(t.param.numel()));
            clean += s[0] / scale;
            noisy += s[1] / scale;
            total += s[2] / scale;
            cosine += (s[0] > 0 && s[1] > 0) ? s[3] / (s[0] * s[1]) : 0.0;
        }
        out.cleanNorm.push_back(clean);
        out.noisyNorm.push_back(noisy);
        out.totalNorm.push_back(total);
        out.cosine.push_back(members.empty() ? 0.0 : cosine / static_cast<double>(members.size()));
    }
    return out;
}

} // namespace memloc::core
