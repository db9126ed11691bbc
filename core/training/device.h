#pragma once
// Choosing the compute device and the CPU thread count (internal: includes torch).

#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace memloc::core {

struct ComputeDevice {
    torch::Device device = torch::kCPU;
    std::string description;  ///< "cpu (2 threads)" or "cuda:0 (<GPU name>)"
};

/// Resolves "auto" (CUDA if available, else CPU), "cpu", "cuda" or "cuda:N"; sets LibTorch's
/// intra-op threads to `threads` (0 = every core; LibTorch defaults to one here). Throws Error
/// if CUDA is asked for but unavailable, or the name is unknown.
ComputeDevice selectDevice(const std::string& name, std::int64_t threads);

} // namespace memloc::core
