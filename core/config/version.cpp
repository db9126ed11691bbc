#include "memloc/version.h"

#include "compat/torch_compat.h"

#include <torch/torch.h>

#include <string>

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

BuildInfo buildInfo() {
    static const BuildInfo info = [] {
        BuildInfo b;
        b.torchVersion = torchVersion();
        b.cudaBuild = compat::cudaBuild();
        b.cudaRuntime = compat::cudaRuntimeVersion();
        b.cudnn = compat::cudnnVersion();
        b.gpus = compat::gpuDescriptions();
        b.cxxStandard = "C++" + std::to_string(__cplusplus / 100 % 100);
        return b;
    }();
    return info;
}

std::string versionLine() {
    return "memloc " + memlocVersion() + " (LibTorch " + torchVersion() + ", CUDA " +
           (cudaAvailable() ? "available: " + std::to_string(torch::cuda::device_count()) + " device(s)" : "not available") +
           ")";
}

std::string versionReport() {
    const BuildInfo info = buildInfo();
    std::string out = "memloc " + memlocVersion() + "\n";
    out += "LibTorch " + info.torchVersion + " (" + (info.cudaBuild ? "CUDA build" : "CPU build") + "; memloc compiled as " +
           info.cxxStandard + ")\n";
    if (info.cudaBuild) {
        out += "CUDA runtime " + info.cudaRuntime + ", cuDNN " + (info.cudnn.empty() ? std::string("not available") : info.cudnn) +
               "; " +
               (info.gpus.empty() ? std::string("CUDA not available: no GPU visible (no NVIDIA driver or device), computing on the CPU")
                                  : "CUDA available: " + std::to_string(info.gpus.size()) + " device(s)") +
               "\n";
        for (std::size_t i = 0; i < info.gpus.size(); ++i)
            out += "GPU cuda:" + std::to_string(i) + ": " + info.gpus[i] + "\n";
    } else {
        out += "CUDA: not built with CUDA (build against a CUDA LibTorch to use GPUs)\n";
    }
    out.pop_back();
    return out;
}

} // namespace memloc::core
