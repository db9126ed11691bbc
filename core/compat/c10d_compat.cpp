#include "compat/c10d_compat.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <stdexcept>

namespace memloc::core::compat {

c10::intrusive_ptr<CollectiveGroup> makeGlooGroup(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                  const std::string& hostname, std::chrono::milliseconds timeout,
                                                  int threads) {
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(hostname));
    options->threads = threads;
    return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
}

bool ncclAvailable() {
#ifdef USE_C10D_NCCL
    return true;
#else
    return false;
#endif
}

c10::intrusive_ptr<CollectiveGroup> makeNcclGroup(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size) {
#ifdef USE_C10D_NCCL
    auto options = c10d::ProcessGroupNCCL::Options::create();
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
#else
    (void)store;
    (void)rank;
    (void)size;
    throw std::runtime_error("this build of memloc has no NCCL support (build against a CUDA LibTorch with NCCL)");
#endif
}

} // namespace memloc::core::compat
