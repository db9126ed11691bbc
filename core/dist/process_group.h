#pragma once
// Collectives over the c10d process group joined with initDistributed (internal: torch). Every
// function is a no-op (or the identity) in a single process, so callers need no special case.

#include "memloc/distributed.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace memloc::core::dist {

bool active();
int rank();
int worldSize();
bool isRoot();

/// Sums each tensor over the ranks, in place.
void allReduceSum(std::vector<torch::Tensor>& tensors);
/// Copies rank `root`'s tensors to every rank, in place.
void broadcast(std::vector<torch::Tensor>& tensors, int root = 0);
void barrier();
/// Every rank's `bytes`, in rank order (variable lengths allowed).
std::vector<std::string> allGather(const std::string& bytes);

/// The half-open range [begin, end) of `count` items that rank `r` of `world` works on
/// (contiguous, sizes differing by at most one).
std::pair<std::int64_t, std::int64_t> shard(std::int64_t count, int r, int world);

} // namespace memloc::core::dist
