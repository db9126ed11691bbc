#include "training/precision.h"

#include <ATen/autocast_mode.h>

namespace memloc::core {

TrainingMode trainingModeOf(const RunConfig& config) {
    return {config.precision == "bf16", config.memoryFormat == "channels_last"};
}

AutocastScope::AutocastScope(bool enabled, const torch::Device& device) : m_enabled(enabled), m_cuda(device.is_cuda()) {
    if (!m_enabled) return;
    m_wasEnabled = m_cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
    m_wasDtype = m_cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
    if (m_cuda) {
        at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
        at::autocast::set_enabled(true);
    } else {
        at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
        at::autocast::set_cpu_enabled(true);
    }
    at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
    if (!m_enabled) return;
    // Leaving the outermost scope frees the bfloat16 copies of the weights cached for this pass.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    if (m_cuda) {
        at::autocast::set_enabled(m_wasEnabled);
        at::autocast::set_autocast_gpu_dtype(m_wasDtype);
    } else {
        at::autocast::set_cpu_enabled(m_wasEnabled);
        at::autocast::set_autocast_cpu_dtype(m_wasDtype);
    }
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
