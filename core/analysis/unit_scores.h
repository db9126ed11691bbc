#pragma once
// First-order scores w * dObjective/dw of parameters, per unit (internal: torch).

#include "models/model.h"

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace memloc::core {

/// The eval-mode BatchNorm2d that a scored convolution weight feeds (Net::convBatchNorms).
struct BatchNormAfter {
    std::shared_ptr<torch::nn::BatchNorm2dImpl> module;
};

/// A parameter that flipping may zero, and how its units are laid out.
struct ScoredParam {
    std::size_t group = 0;
    std::string name;
    torch::Tensor param;
    bool perChannel = false;  ///< units are whole output channels (conv weights in channel mode)
    bool alongUnits = true;   ///< dim 0 indexes the group's units (LayerGroup::indexesUnits)
    /// Per-channel conv weights only: the BatchNorm it feeds, when the model declares one whose
    /// weight and bias are scored too (see SkipConvWeightGradients).
    std::optional<BatchNormAfter> batchNorm;
    std::int64_t unitCount() const { return perChannel ? param.size(0) : param.numel(); }
    /// The output channel (unit of the layer group) a unit index belongs to; -1 when the
    /// parameter is not laid out along the group's units (e.g. a ViT block's attention weights).
    std::int64_t channelOf(std::int64_t unit) const {
        if (!alongUnits || param.dim() == 0) return -1;
        return perChannel ? unit : unit / std::max<std::int64_t>(1, param.numel() / param.size(0));
    }
};

/// The parameters of every layer group. channelMode: conv weights (4-D) are scored per output
/// channel (scores summed over in-channels and kernel); everything else per element.
std::vector<ScoredParam> scoredParams(Net& model, const std::vector<LayerGroup>& groups, bool channelMode);

/// Scores of every unit, concatenated in the order of `params` (1-D, on the device), from the
/// gradients currently in the parameters' .grad(). Zeroed units score exactly 0.
///
/// A per-channel conv weight without a gradient but with an eval-mode BatchNorm after it is scored
/// from that BatchNorm's gradients: with y the conv output, z = gamma (y - mu) / sigma + beta and
/// sigma = sqrt(running_var + eps), the channel's sum of w * dL/dw is sum(dL/dy * y) =
/// gamma * dL/dgamma + (gamma mu / sigma) * dL/dbeta, exactly (up to rounding).
torch::Tensor unitScores(const std::vector<ScoredParam>& params);

/// While alive, the conv weights of `params` that have an eval-mode BatchNorm after them do not
/// require gradients, so backward passes skip their weight-gradient convolutions (a third of a
/// convolution's work) and unitScores derives their scores. Restores requires_grad when destroyed.
class SkipConvWeightGradients {
public:
    explicit SkipConvWeightGradients(const std::vector<ScoredParam>& params);
    ~SkipConvWeightGradients();
    SkipConvWeightGradients(const SkipConvWeightGradients&) = delete;
    SkipConvWeightGradients& operator=(const SkipConvWeightGradients&) = delete;

private:
    std::vector<torch::Tensor> m_disabled;
};

/// Where a flat unit index of unitScores() lies: (parameter index, unit index within it).
std::pair<std::size_t, std::int64_t> locateUnit(const std::vector<ScoredParam>& params, std::int64_t flat);

/// Sets a unit to zero (the whole output channel slice for per-channel units).
void zeroUnit(ScoredParam& p, std::int64_t unit);

/// Per layer group, the w*grad score summed per output channel over the group's parameters that
/// are laid out along its units (LayerGroup::indexesUnits): one CPU double tensor [units] per group.
std::vector<torch::Tensor> channelScores(Net& model, const std::vector<LayerGroup>& groups);

} // namespace memloc::core
