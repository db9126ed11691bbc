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

} // namespace memloc::core
