#pragma once
// Running one memloc job over several processes (torchrun-style launches) on PyTorch's c10d.

#include <cstdint>
#include <map>
#include <string>

namespace memloc::core {

/// Where this process sits in a multi-process launch, from torchrun's environment variables
/// RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT.
struct LaunchInfo {
    int rank = 0;
    int worldSize = 1;
    int localRank = 0;
    std::string masterAddr = "127.0.0.1";
    int masterPort = 29500;
    bool distributed() const { return worldSize > 1; }
};

/// Reads the launch environment. WORLD_SIZE unset or 1: a single process. Throws Error naming
/// the variable if one is malformed or inconsistent (RANK >= WORLD_SIZE, a port out of range).
LaunchInfo launchFromEnvironment();

/// Joins the process group of `launch` (blocks until every rank has joined, or throws Error after
/// `timeoutSeconds`): Gloo for CPU work; NCCL is used for CUDA devices when this LibTorch has it.
/// Afterwards training and the sharded analyses split their work across the ranks. A no-op for
/// a single process.
void initDistributed(const LaunchInfo& launch, const std::string& device, int timeoutSeconds = 300);

/// Leaves the process group (a barrier first, so no rank exits while others still talk to it).
void finalizeDistributed();

/// This process's rank and the number of processes (0 and 1 without a process group).
int distributedRank();
int distributedWorldSize();

/// What this process computed itself since it started, by kind of work item: "training
/// examples" (examples of its batch shards, over all epochs), "rewinding cells" (group x epoch
/// evaluations), "flipped examples", "ablated units", "retrained groups". Under a multi-process
/// launch each rank's counts show its share of the work (about 1/P of each); thread-safe.
std::map<std::string, std::int64_t> workDone();

/// workDone() as one line: "rank R of P computed: ablated units 12, rewinding cells 18" (only
/// the kinds with work; "nothing" when there is none).
std::string workReport();

} // namespace memloc::core
