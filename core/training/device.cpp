#include "training/device.h"

#include "memloc/analysis_options.h"
#include "memloc/error.h"

#include <cstdlib>
#include <mutex>
#include <thread>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace memloc::core {

namespace {

// Activation tensors are tens of megabytes; glibc serves such blocks with mmap and returns them
// on free, so every batch page-faults its memory in again (measured: ~40% of inference time).
// Keeping freed blocks in the heap costs no more than the peak the process reached anyway.
void tuneAllocator() {
#ifdef __GLIBC__
    static std::once_flag once;
    std::call_once(once, [] {
        constexpr int kOneGiB = 1 << 30;
        mallopt(M_MMAP_THRESHOLD, kOneGiB / 2);
        mallopt(M_TRIM_THRESHOLD, kOneGiB);
    });
#endif
}

} // namespace

std::string deviceForRun(const std::string& trainedOn) {
    if (trainedOn == "cpu") return trainedOn;
    if (trainedOn.rfind("cuda", 0) != 0 || !torch::cuda::is_available()) return "auto";
    const std::size_t colon = trainedOn.find(':');
    const long index = colon == std::string::npos ? 0 : std::strtol(trainedOn.c_str() + colon + 1, nullptr, 10);
    return index >= 0 && index < static_cast<long>(torch::cuda::device_count()) ? trainedOn : "auto";
}

ComputeDevice selectDevice(const std::string& name, std::int64_t threads) {
    if (threads < 0) throw Error("threads must be >= 0 (0 = every core), got " + std::to_string(threads));
    const auto cores = static_cast<std::int64_t>(std::max(1u, std::thread::hardware_concurrency()));
    const std::int64_t useThreads = threads == 0 ? cores : threads;
    torch::set_num_threads(static_cast<int>(useThreads));
    tuneAllocator();
    // Gradients of confidently fitted examples underflow into denormal floats, which x86 CPUs
    // process up to ~100x slower; flushing them to zero changes nothing measurable.
    at::globalContext().setFlushDenormal(true);

    ComputeDevice out;
    const bool cudaOk = torch::cuda::is_available();
    if (name == "cpu" || (name == "auto" && !cudaOk)) {
        out.device = torch::kCPU;
        out.description = "cpu (" + std::to_string(useThreads) + " threads)";
        return out;
    }
    if (name == "auto" || name.rfind("cuda", 0) == 0) {
        if (!cudaOk)
            throw Error("device '" + name + "' asked for, but this build of memloc sees no CUDA GPU "
                        "(use --device cpu, or build against a CUDA LibTorch)");
        torch::Device dev(name == "auto" ? std::string("cuda:0") : name);
        if (dev.has_index() && dev.index() >= static_cast<int>(torch::cuda::device_count()))
            throw Error("device '" + name + "' does not exist: " +
                        std::to_string(torch::cuda::device_count()) + " CUDA device(s) present");
        out.device = dev;
        out.description = dev.str();
        return out;
    }
    throw Error("unknown device '" + name + "' (expected auto, cpu, cuda or cuda:N)");
}

} // namespace memloc::core
