#pragma once
// SGD with momentum, Nesterov and weight decay, with inspectable state (internal: torch).

#include <torch/torch.h>

#include <string>
#include <vector>

namespace memloc::core {

/// Exactly torch.optim.SGD (dampening 0): d = g + wd*p; buf = d on the first step, else
/// buf = m*buf + d; step direction = d + m*buf (Nesterov) or buf; p -= lr * direction.
/// Its momentum buffers are plain tensors so a run file can store and restore them (resume).
class Sgd {
public:
    Sgd(std::vector<torch::Tensor> params, double momentum, double weightDecay, bool nesterov);

    /// Applies one update with learning rate `lr` from the parameters' .grad(); a parameter with
    /// an undefined gradient is skipped. Blocks; runs on the parameters' device.
    void step(double lr);

    /// Momentum buffers, one per parameter (undefined before the first step).
    const std::vector<torch::Tensor>& momentumBuffers() const { return m_buffers; }
    /// Restores buffers saved from momentumBuffers(); shapes must match the parameters.
    void setMomentumBuffers(const std::vector<torch::Tensor>& buffers);

private:
    std::vector<torch::Tensor> m_params;
    std::vector<torch::Tensor> m_buffers;
    double m_momentum, m_weightDecay;
    bool m_nesterov;
};

} // namespace memloc::core
