#include "bench/flops.h"

#include <algorithm>
#include <chrono>
#include <string>

namespace memloc::core {

double forwardMacsPerImage(Net& model, const torch::Tensor& oneImage) {
    torch::InferenceMode inference;
    model.eval();
    auto params = model.named_parameters();
    torch::Tensor x = oneImage;
    double macs = 0;
    for (std::size_t b = 0; b < model.blockCount(); ++b) {
        x = model.forwardRange(x, b, b + 1);
        const std::string prefix = std::to_string(b) + ".";
        const double spatial = x.dim() == 4 ? static_cast<double>(x.size(2) * x.size(3)) : 1.0;
        for (const auto& p : params)
            if (p.key().rfind(prefix, 0) == 0 && (p.value().dim() == 4 || p.value().dim() == 2))
                macs += static_cast<double>(p.value().numel()) * (p.value().dim() == 4 ? spatial : 1.0);
    }
    return macs;
}

double convPeakFlops(const torch::Device& device, torch::ScalarType dtype, std::int64_t repeats) {
    torch::InferenceMode inference;
    torch::manual_seed(0);
    const bool gpu = device.is_cuda();
    const std::int64_t batch = gpu ? 512 : 128, channels = gpu ? 256 : 128, size = gpu ? 28 : 14;
    const auto opts = torch::TensorOptions().device(device).dtype(dtype);
    const torch::Tensor x = torch::randn({batch, channels, size, size}, opts);
    const torch::Tensor w = torch::randn({channels, channels, 3, 3}, opts);
    constexpr int kCalls = 20;
    const double flops = 2.0 * static_cast<double>(batch * channels * channels * 9 * size * size) * kCalls;
    double best = 0;
    for (std::int64_t r = 0; r < repeats + 2; ++r) {
        const auto start = std::chrono::steady_clock::now();
        torch::Tensor y;
        for (int i = 0; i < kCalls; ++i) y = torch::conv2d(x, w, {}, 1, 1);
        y.sum().item<double>();  // waits for the device
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (r >= 1) best = std::max(best, flops / seconds);  // the first call warms up (kernel choice)
    }
    return best;
}

} // namespace memloc::core
