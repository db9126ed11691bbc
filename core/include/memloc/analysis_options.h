#pragma once
// Options every analysis entry point shares.

#include "memloc/progress.h"

#include <cstdint>
#include <string>

namespace memloc::core {

/// Where and how an analysis runs, and how it reports. `progress` is called on the calling
/// thread; `cancel` is checked at least once per batch (the analysis then throws Cancelled and
/// leaves any previous stored result untouched).
struct AnalysisRunOptions {
    std::string device = "auto";  ///< auto | cpu | cuda | cuda:N
    std::int64_t threads = 0;     ///< 0 = every core
    ProgressFn progress;
    const CancelToken* cancel = nullptr;
};

/// The device to analyse a run on, given the device it was trained with (its config's "device"):
/// that device when this machine has it ("cpu", or a GPU that exists here), else "auto" (a run
/// trained on a GPU server and opened on a laptop is analysed on the laptop's CPU). Queries the
/// CUDA driver once.
std::string deviceForRun(const std::string& trainedOn);

} // namespace memloc::core
