#pragma once
// c10d process groups across LibTorch versions (internal: torch). In LibTorch 1.13 the Gloo and
// NCCL groups are c10d::ProcessGroup objects; from 2.0 on they are c10d::Backend objects that a
// ProcessGroup wraps. Both offer the same collectives (allreduce, broadcast, allgather, barrier),
// which is all memloc uses, so memloc holds whichever class carries them.

#include "compat/torch_compat.h"

#include <torch/csrc/distributed/c10d/Store.hpp>

#if MEMLOC_TORCH_VERSION_NUMBER >= 200
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif

#include <chrono>
#include <string>

namespace memloc::core::compat {

#if MEMLOC_TORCH_VERSION_NUMBER >= 200
using CollectiveGroup = c10d::Backend;
#else
using CollectiveGroup = c10d::ProcessGroup;
#endif

/// A Gloo group (CPU tensors) of `size` processes meeting through `store`, on the network
/// interface that resolves `hostname`. Blocks until every rank has joined or `timeout` passes;
/// throws c10::Error (or std::exception) on failure.
c10::intrusive_ptr<CollectiveGroup> makeGlooGroup(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                  const std::string& hostname, std::chrono::milliseconds timeout,
                                                  int threads);

/// Whether this build can make NCCL groups (a CUDA LibTorch built with NCCL).
bool ncclAvailable();

/// An NCCL group (CUDA tensors, one GPU per rank); throws std::runtime_error when
/// ncclAvailable() is false.
c10::intrusive_ptr<CollectiveGroup> makeNcclGroup(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size);

} // namespace memloc::core::compat
