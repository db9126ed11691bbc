#include "memloc/version.h"

#include <torch/torch.h>

#ifndef MEMLOC_VERSION
#define MEMLOC_VERSION "unknown"
#endif

namespace memloc::core {

std::string memlocVersion() { return MEMLOC_VERSION; }

std::string torchVersion() {
    return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
           std::to_string(TORCH_VERSION_PATCH);
}

bool cudaAvailable() { return torch::cuda::is_available(); }

std::string versionLine() {
    return "memloc " + memlocVersion() + " (LibTorch " + torchVersion() + ", CUDA " +
           (cudaAvailable() ? "available: " + std::to_string(torch::cuda::device_count()) + " device(s)" : "not available") +
           ")";
}

} // namespace memloc::core
