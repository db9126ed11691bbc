#pragma once

#include <string>
#include <vector>

namespace memloc::core {

/// What a build of memloc computes with.
struct BuildInfo {
    std::string torchVersion;       ///< the LibTorch it links, e.g. "2.11.0"
    bool cudaBuild = false;         ///< built against a CUDA LibTorch
    std::string cudaRuntime;        ///< the CUDA runtime version, e.g. "13.0"; empty in a CPU build
    std::string cudnn;              ///< the cuDNN version, e.g. "9.19.0"; empty when there is none
    std::vector<std::string> gpus;  ///< one entry per visible GPU: "NVIDIA H200 (139.8 GiB, sm_90)"
    std::string cxxStandard;        ///< the C++ standard memloc was compiled with, e.g. "C++17"
};

/// memloc's version, e.g. "0.1.0".
std::string memlocVersion();
/// The LibTorch version this build links, e.g. "1.13.1".
std::string torchVersion();
/// Whether a CUDA device is usable by this build.
bool cudaAvailable();
/// LibTorch, CUDA, cuDNN and the GPUs seen (queries the driver once; cheap afterwards).
BuildInfo buildInfo();
/// One line: memloc version, LibTorch version, CUDA availability.
std::string versionLine();
/// Several lines for --version and the About box: memloc, LibTorch (and the C++ standard), CUDA
/// runtime, cuDNN, and each GPU, or why there is none.
std::string versionReport();

} // namespace memloc::core
