#pragma once
// The one place where memloc depends on which LibTorch it is built against (internal: torch).
// memloc builds against LibTorch 1.13 (Debian 12) and 2.x (official downloads, the PyTorch wheel,
// newer distributions). Every API that differs between them is wrapped here, so that the rest of
// the code calls one spelling; torch_compat.cpp and c10d_compat.cpp hold the only version tests.

#include <torch/torch.h>

#include <string>
#include <vector>

// LibTorch's version as one comparable number: 1.13 -> 113, 2.11 -> 211.
#define MEMLOC_TORCH_VERSION_NUMBER (TORCH_VERSION_MAJOR * 100 + TORCH_VERSION_MINOR)

namespace memloc::core::compat {

/// Autocast's switch and lower-precision type for one device type (CPU or CUDA).
struct AutocastState {
    bool enabled = false;
    at::ScalarType dtype = at::kFloat;
};

/// The current autocast state of `device` (at::kCPU or at::kCUDA) on this thread.
AutocastState autocastState(at::DeviceType device);
/// Sets autocast's switch and lower-precision type for `device` on this thread.
void setAutocastState(at::DeviceType device, const AutocastState& state);

/// Whether memloc was built against a CUDA LibTorch.
bool cudaBuild();
/// The CUDA runtime version LibTorch uses, e.g. "13.0"; empty in a CPU build.
std::string cudaRuntimeVersion();
/// The cuDNN version, e.g. "9.19.0"; empty when there is none.
std::string cudnnVersion();
/// One entry per visible GPU: "NVIDIA H200 (139.8 GiB, sm_90)". Empty in a CPU build or without
/// a GPU; safe on any machine.
std::vector<std::string> gpuDescriptions();

} // namespace memloc::core::compat
