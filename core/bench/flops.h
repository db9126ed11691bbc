#pragma once
// Arithmetic counts and a measured peak, for reporting achieved FLOP/s (internal: torch).

#include "models/model.h"

#include <torch/torch.h>

#include <cstdint>

namespace memloc::core {

/// Multiply-accumulates of one forward pass per image: each top-level block's 4-d (conv) weights
/// times its output's spatial size, plus the 2-d (linear) weights. Exact for ResNet-9, whose
/// convolutions all produce their block's output size. Runs one forward pass of `oneImage`
/// (shape {1, C, H, W}, on the model's device) in eval mode; leaves the model in eval mode.
double forwardMacsPerImage(Net& model, const torch::Tensor& oneImage);

/// The best conv2d throughput in FLOP/s that LibTorch reaches on `device` for `dtype` (kFloat or
/// kBFloat16): a 3x3 convolution, 128 -> 128 channels on 14x14 maps, batch 128 on a CPU (the size
/// of ResNet-9's middle layers) and 256 -> 256 channels on 28x28, batch 512 on a GPU (large
/// enough to fill one), called in a tight loop; the fastest of `repeats` + 2 timings. Blocks.
double convPeakFlops(const torch::Device& device, torch::ScalarType dtype, std::int64_t repeats);

} // namespace memloc::core
