#include "training/precision.h"

#include "compat/torch_compat.h"

#include <ATen/autocast_mode.h>

namespace memloc::core {

TrainingMode trainingModeOf(const RunConfig& config, const torch::Device& device) {
    const bool channelsLast =
        config.memoryFormat == "channels_last" || (config.memoryFormat == "auto" && device.is_cuda());
    return {config.precision == "bf16", channelsLast};
}

AutocastScope::AutocastScope(bool enabled, const torch::Device& device) : m_enabled(enabled), m_cuda(device.is_cuda()) {
    if (!m_enabled) return;
    const at::DeviceType type = m_cuda ? at::kCUDA : at::kCPU;
    const compat::AutocastState was = compat::autocastState(type);
    m_wasEnabled = was.enabled;
    m_wasDtype = was.dtype;
    compat::setAutocastState(type, {true, at::kBFloat16});
    at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
    if (!m_enabled) return;
    // Leaving the outermost scope frees the bfloat16 copies of the weights cached for this pass.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    compat::setAutocastState(m_cuda ? at::kCUDA : at::kCPU, {m_wasEnabled, m_wasDtype});
}

void toChannelsLast(torch::nn::Module& module) {
    torch::NoGradGuard noGrad;
    auto convert = [](torch::Tensor& t) {
        if (t.defined() && t.dim() == 4) t.set_data(t.contiguous(torch::MemoryFormat::ChannelsLast));
    };
    for (auto& p : module.parameters()) convert(p);
    for (auto& b : module.buffers()) convert(b);
}

torch::Tensor forMode(const torch::Tensor& images, const TrainingMode& mode) {
    return mode.channelsLast && images.dim() == 4 ? images.contiguous(torch::MemoryFormat::ChannelsLast) : images;
}

} // namespace memloc::core
