#include "analysis/batchnorm_recalibration.h"

#include <algorithm>

namespace memloc::core {

RecalibratedBatchNorm::RecalibratedBatchNorm(Net& model, const torch::Tensor& images, std::int64_t batchSize) {
    torch::NoGradGuard noGrad;
    for (const auto& module : model.modules(false))
        if (auto* norm = module->as<torch::nn::BatchNorm2dImpl>()) {
            const auto momentum = norm->options.momentum();
            m_saved.push_back({norm, norm->running_mean.clone(), norm->running_var.clone(),
                               norm->num_batches_tracked.clone(),
                               momentum ? std::optional<double>(*momentum) : std::nullopt});
            norm->reset_running_stats();
            norm->options.momentum(c10::nullopt);  // no momentum: a cumulative average over the batches
        }
    const bool wasTraining = model.is_training();
    model.train(true);
    for (std::int64_t start = 0; start < images.size(0); start += batchSize)
        model.forward(images.slice(0, start, std::min(images.size(0), start + batchSize)));
    model.train(wasTraining);
}

RecalibratedBatchNorm::~RecalibratedBatchNorm() {
    torch::NoGradGuard noGrad;
    for (Saved& s : m_saved) {
        s.norm->running_mean.copy_(s.mean);
        s.norm->running_var.copy_(s.var);
        s.norm->num_batches_tracked.copy_(s.batches);
        if (s.momentum) s.norm->options.momentum(*s.momentum);
        else s.norm->options.momentum(c10::nullopt);
    }
}

} // namespace memloc::core
