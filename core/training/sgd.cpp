#include "training/sgd.h"

#include "memloc/error.h"

namespace memloc::core {

Sgd::Sgd(std::vector<torch::Tensor> params, double momentum, double weightDecay, bool nesterov)
    : m_params(std::move(params)),
      m_buffers(m_params.size()),
      m_momentum(momentum),
      m_weightDecay(weightDecay),
      m_nesterov(nesterov) {}

void Sgd::step(double lr) {
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i < m_params.size(); ++i) {
        torch::Tensor& p = m_params[i];
        const torch::Tensor& g = p.grad();
        if (!g.defined()) continue;
        torch::Tensor d = m_weightDecay != 0 ? g.add(p, m_weightDecay) : g;
        if (m_momentum != 0) {
            torch::Tensor& buf = m_buffers[i];
            if (!buf.defined())
                buf = d.clone();
            else
                buf.mul_(m_momentum).add_(d);
            d = m_nesterov ? d.add(buf, m_momentum) : buf;
        }
        p.add_(d, -lr);
    }
}

void Sgd::setMomentumBuffers(const std::vector<torch::Tensor>& buffers) {
    if (buffers.size() != m_params.size())
        throw Error("optimizer state has " + std::to_string(buffers.size()) + " buffers, the model " +
                    std::to_string(m_params.size()) + " parameters");
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        if (buffers[i].defined() && !buffers[i].sizes().equals(m_params[i].sizes()))
            throw Error("optimizer state buffer " + std::to_string(i) + " has the wrong shape");
        m_buffers[i] = buffers[i].defined() ? buffers[i].to(m_params[i].device()).clone() : torch::Tensor();
    }
}

} // namespace memloc::core
