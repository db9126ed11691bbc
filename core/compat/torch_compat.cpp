#include "compat/torch_compat.h"

#include <ATen/autocast_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>

#ifdef MEMLOC_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

#include <cstdio>

namespace memloc::core::compat {

#ifdef MEMLOC_WITH_CUDA
namespace {

std::string versionString(long encoded, long majorDiv, long minorDiv) {
    // CUDA encodes 13.0 as 13000; cuDNN 9.19.0 as 91900 (>= 9) or 8906 (8.9.6).
    const long major = encoded / majorDiv;
    const long minor = (encoded % majorDiv) / minorDiv;
    const long patch = encoded % minorDiv;
    return std::to_string(major) + "." + std::to_string(minor) + (minorDiv > 1 ? "." + std::to_string(patch) : "");
}

} // namespace
#endif

// Since LibTorch 2.4 autocast takes the device type as an argument; the per-device functions of
// 1.13 still exist there but warn on every call, so each LibTorch gets its own spelling.
AutocastState autocastState(at::DeviceType device) {
    AutocastState s;
#if MEMLOC_TORCH_VERSION_NUMBER >= 204
    s.enabled = at::autocast::is_autocast_enabled(device);
    s.dtype = at::autocast::get_autocast_dtype(device);
#else
    const bool cuda = device == at::kCUDA;
    s.enabled = cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
    s.dtype = cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
    return s;
}

void setAutocastState(at::DeviceType device, const AutocastState& state) {
#if MEMLOC_TORCH_VERSION_NUMBER >= 204
    at::autocast::set_autocast_dtype(device, state.dtype);
    at::autocast::set_autocast_enabled(device, state.enabled);
#else
    if (device == at::kCUDA) {
        at::autocast::set_autocast_gpu_dtype(state.dtype);
        at::autocast::set_enabled(state.enabled);
    } else {
        at::autocast::set_autocast_cpu_dtype(state.dtype);
        at::autocast::set_cpu_enabled(state.enabled);
    }
#endif
}

bool cudaBuild() {
#ifdef MEMLOC_WITH_CUDA
    return true;
#else
    return false;
#endif
}

std::string cudaRuntimeVersion() {
#ifdef MEMLOC_WITH_CUDA
    // The patch digit of a CUDA version is always 0 in this encoding; show major.minor only.
    const std::string v = versionString(at::detail::getCUDAHooks().versionCUDART(), 1000, 10);
    return v.substr(0, v.rfind('.'));
#else
    return {};
#endif
}

std::string cudnnVersion() {
#ifdef MEMLOC_WITH_CUDA
    const auto& hooks = at::detail::getCUDAHooks();
    if (!hooks.hasCuDNN()) return {};
    const long v = hooks.versionCuDNN();
    return v >= 90000 ? versionString(v, 10000, 100) : versionString(v, 1000, 100);
#else
    return {};
#endif
}

std::vector<std::string> gpuDescriptions() {
    std::vector<std::string> gpus;
#ifdef MEMLOC_WITH_CUDA
    if (!torch::cuda::is_available()) return gpus;
    const int n = static_cast<int>(torch::cuda::device_count());
    for (int i = 0; i < n; ++i) {
        cudaDeviceProp p{};
        if (cudaGetDeviceProperties(&p, i) != cudaSuccess) {
            gpus.push_back("cuda:" + std::to_string(i) + " (properties unavailable)");
            continue;
        }
        char memory[32];
        std::snprintf(memory, sizeof memory, "%.1f GiB", static_cast<double>(p.totalGlobalMem) / (1 << 30));
        gpus.push_back(std::string(p.name) + " (" + memory + ", sm_" + std::to_string(p.major) + std::to_string(p.minor) + ")");
    }
#endif
    return gpus;
}

} // namespace memloc::core::compat
