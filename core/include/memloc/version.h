#pragma once

#include <string>

namespace memloc::core {

/// memloc's version, e.g. "0.1.0".
std::string memlocVersion();
/// The LibTorch version this build links, e.g. "1.13.1".
std::string torchVersion();
/// Whether a CUDA device is usable by this build.
bool cudaAvailable();
/// One line: memloc version, LibTorch version, CUDA availability.
std::string versionLine();

} // namespace memloc::core
