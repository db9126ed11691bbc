#pragma once
// The one place where memloc depends on which LibTorch it is built against (internal: torch).
// memloc builds against LibTorch 1.13 (Debian 12) and 2.x (official downloads, the PyTorch wheel,
// newer distributions). Every API that differs between them is wrapped here, so that the rest of
// the code calls one spelling; torch_compat.cpp and c10d_compat.cpp hold the only version tests.

#include "memloc/version.h"

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

/// What this build computes with: the LibTorch version, the CUDA runtime and cuDNN it was built
/// with, and the GPUs it sees. Safe on any machine (a CUDA build without a GPU lists none).
BuildInfo queryBuildInfo();

} // namespace memloc::core::compat
