#pragma once
// Collectives over the c10d process group joined with initDistributed (internal: torch). Every
// function is a no-op (or the identity) in a single process, so callers need no special case.

#include "memloc/distributed.h"
#include "memloc/error.h"

#include <torch/torch.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace memloc::core::dist {

bool active();
int rank();
int worldSize();
bool isRoot();

/// Sums each tensor over the ranks, in place.
void allReduceSum(std::vector<torch::Tensor>& tensors);
/// Sums grids of doubles ([row][column], rows of any length) over the ranks, in place, in one
/// collective. Used to merge analyses whose cells each process fills only for its own share.
void allReduceSumGrids(std::initializer_list<std::vector<std::vector<double>>*> grids);
/// Copies rank `root`'s tensors to every rank, in place.
void broadcast(std::vector<torch::Tensor>& tensors, int root = 0);
void barrier();
/// Every rank's `bytes`, in rank order (variable lengths allowed).
std::vector<std::string> allGather(const std::string& bytes);

/// Adds `count` items of work of kind `what` to this process's ledger (see memloc::core::workDone).
void recordWork(const std::string& what, std::int64_t count = 1);

/// Whether item `index` of a round-robin split (item t on rank t mod P) belongs to this process.
bool ownsItem(std::int64_t index);

/// Collects a round-robin split: `mine` holds this process's items (t = rank, rank + P, ... in
/// order). Every process gets all `count` items in order; each process's list crosses over as
/// `toBytes(list)` and is rebuilt with `fromBytes(bytes)`. Throws Error if a list is short.
template <typename T, typename ToBytes, typename FromBytes>
std::vector<T> gatherRoundRobin(std::vector<T> mine, std::size_t count, ToBytes toBytes, FromBytes fromBytes) {
    if (!active()) return mine;
    const auto world = static_cast<std::size_t>(worldSize());
    std::vector<std::vector<T>> byRank;
    for (const std::string& part : allGather(toBytes(mine))) byRank.push_back(fromBytes(part));
    std::vector<T> all;
    for (std::size_t t = 0; t < count; ++t) {
        std::vector<T>& from = byRank[t % world];
        if (t / world >= from.size())
            throw Error("process " + std::to_string(t % world) + " returned fewer results than its share");
        all.push_back(std::move(from[t / world]));
    }
    return all;
}

/// The half-open range [begin, end) of `count` items that rank `r` of `world` works on
/// (contiguous, sizes differing by at most one).
std::pair<std::int64_t, std::int64_t> shard(std::int64_t count, int r, int world);

} // namespace memloc::core::dist
