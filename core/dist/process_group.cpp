#include "dist/process_group.h"

#include "memloc/error.h"

#include "compat/c10d_compat.h"

#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

namespace memloc::core {

namespace {

struct GroupState {
    LaunchInfo launch;
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<compat::CollectiveGroup> group;
    bool cuda = false;
};

GroupState& state() {
    static GroupState s;
    return s;
}

struct WorkLedger {
    std::mutex mutex;
    std::map<std::string, std::int64_t> counts;
};

WorkLedger& ledger() {
    static WorkLedger l;
    return l;
}

int intFromEnv(const char* name, int fallback, int min, int max) {
    const char* raw = std::getenv(name);
    if (!raw || !*raw) return fallback;
    char* end = nullptr;
    const long v = std::strtol(raw, &end, 10);
    if (*end != '\0' || v < min || v > max)
        throw Error(std::string("environment variable ") + name + "='" + raw + "' must be an integer in [" +
                    std::to_string(min) + ", " + std::to_string(max) + "]");
    return static_cast<int>(v);
}

void wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
    try {
        work->wait();
    } catch (const std::exception& e) {
        throw Error(std::string("distributed ") + what + " failed (did another rank stop?): " + e.what());
    }
}

} // namespace

LaunchInfo launchFromEnvironment() {
    LaunchInfo l;
    l.worldSize = intFromEnv("WORLD_SIZE", 1, 1, 1 << 20);
    l.rank = intFromEnv("RANK", 0, 0, 1 << 20);
    l.localRank = intFromEnv("LOCAL_RANK", 0, 0, 1 << 16);
    l.masterPort = intFromEnv("MASTER_PORT", 29500, 1, 65535);
    if (const char* addr = std::getenv("MASTER_ADDR"); addr && *addr) l.masterAddr = addr;
    if (l.rank >= l.worldSize)
        throw Error("environment: RANK=" + std::to_string(l.rank) + " must be below WORLD_SIZE=" + std::to_string(l.worldSize));
    return l;
}

void initDistributed(const LaunchInfo& launch, const std::string& device, int timeoutSeconds) {
    GroupState& s = state();
    if (!launch.distributed() || s.group) return;
    const std::chrono::milliseconds timeout(static_cast<std::int64_t>(timeoutSeconds) * 1000);
    try {
        c10d::TCPStoreOptions options;
        options.port = static_cast<std::uint16_t>(launch.masterPort);
        options.isServer = launch.rank == 0;
        options.numWorkers = static_cast<std::size_t>(launch.worldSize);
        options.timeout = timeout;
        s.store = c10::make_intrusive<c10d::TCPStore>(launch.masterAddr, options);
        s.cuda = device.rfind("cuda", 0) == 0;
        if (s.cuda && compat::ncclAvailable()) s.group = compat::makeNcclGroup(s.store, launch.rank, launch.worldSize);
        if (!s.group) {
            s.cuda = false;
            s.group = compat::makeGlooGroup(s.store, launch.rank, launch.worldSize,
                                            launch.masterAddr == "localhost" ? std::string("127.0.0.1") : launch.masterAddr,
                                            timeout, 2);
        }
    } catch (const std::exception& e) {
        s.group.reset();
        s.store.reset();
        throw Error("cannot join the process group at " + launch.masterAddr + ":" + std::to_string(launch.masterPort) +
                    " as rank " + std::to_string(launch.rank) + " of " + std::to_string(launch.worldSize) + ": " + e.what());
    }
    s.launch = launch;
}

void finalizeDistributed() {
    GroupState& s = state();
    if (!s.group) return;
    dist::barrier();
    s.group.reset();
    s.store.reset();
    s.launch = LaunchInfo{};
}

int distributedRank() { return dist::rank(); }
int distributedWorldSize() { return dist::worldSize(); }

std::map<std::string, std::int64_t> workDone() {
    std::lock_guard<std::mutex> lock(ledger().mutex);
    return ledger().counts;
}

std::string workReport() {
    std::string out = "rank " + std::to_string(dist::rank()) + " of " + std::to_string(dist::worldSize()) + " computed: ";
    const auto counts = workDone();
    if (counts.empty()) return out + "nothing";
    bool first = true;
    for (const auto& [what, n] : counts) {
        out += (first ? "" : ", ") + what + " " + std::to_string(n);
        first = false;
    }
    return out;
}

namespace dist {

bool active() { return static_cast<bool>(state().group); }
int rank() { return active() ? state().launch.rank : 0; }
int worldSize() { return active() ? state().launch.worldSize : 1; }
bool isRoot() { return rank() == 0; }

void allReduceSum(std::vector<torch::Tensor>& tensors) {
    if (!active() || tensors.empty()) return;
    // Gloo reduces CPU tensors; one flat buffer per call keeps it to one collective.
    std::vector<torch::Tensor> flat{torch::cat([&] {
        std::vector<torch::Tensor> parts;
        for (const auto& t : tensors) parts.push_back(t.detach().reshape({-1}).to(torch::kDouble));
        return parts;
    }()).to(state().cuda ? tensors.front().device() : torch::Device(torch::kCPU))};
    wait(state().group->allreduce(flat), "all-reduce");
    std::int64_t offset = 0;
    torch::NoGradGuard noGrad;
    for (auto& t : tensors) {
        const std::int64_t n = t.numel();
        t.copy_(flat[0].slice(0, offset, offset + n).view(t.sizes()));
        offset += n;
    }
}

void allReduceSumGrids(std::initializer_list<std::vector<std::vector<double>>*> grids) {
    if (!active()) return;
    std::vector<torch::Tensor> rows;
    for (auto* grid : grids)
        for (const auto& row : *grid) rows.push_back(torch::tensor(row, torch::kDouble));
    allReduceSum(rows);
    std::size_t k = 0;
    for (auto* grid : grids)
        for (auto& row : *grid) {
            const torch::Tensor t = rows[k++].contiguous();
            row.assign(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
        }
}

void broadcast(std::vector<torch::Tensor>& tensors, int root) {
    if (!active() || tensors.empty()) return;
    for (auto& t : tensors) {
        std::vector<torch::Tensor> one{state().cuda ? t.detach() : t.detach().cpu().contiguous()};
        c10d::BroadcastOptions options;
        options.rootRank = root;
        wait(state().group->broadcast(one, options), "broadcast");
        torch::NoGradGuard noGrad;
        if (!one[0].is_same(t)) t.copy_(one[0]);
    }
}

void barrier() {
    if (!active()) return;
    wait(state().group->barrier(), "barrier");
}

std::vector<std::string> allGather(const std::string& bytes) {
    if (!active()) return {bytes};
    const int world = worldSize();
    std::vector<torch::Tensor> size{torch::tensor({static_cast<std::int64_t>(bytes.size())}, torch::kLong)};
    std::vector<std::vector<torch::Tensor>> sizes(1);
    for (int r = 0; r < world; ++r) sizes[0].push_back(torch::empty({1}, torch::kLong));
    wait(state().group->allgather(sizes, size), "all-gather");
    std::int64_t longest = 1;
    for (const auto& s : sizes[0]) longest = std::max(longest, s.item<std::int64_t>());
    torch::Tensor mine = torch::zeros({longest}, torch::kByte);
    if (!bytes.empty()) std::memcpy(mine.data_ptr(), bytes.data(), bytes.size());
    std::vector<torch::Tensor> input{mine};
    std::vector<std::vector<torch::Tensor>> outputs(1);
    for (int r = 0; r < world; ++r) outputs[0].push_back(torch::empty({longest}, torch::kByte));
    wait(state().group->allgather(outputs, input), "all-gather");
    std::vector<std::string> out;
    for (int r = 0; r < world; ++r)
        out.emplace_back(static_cast<const char*>(outputs[0][r].data_ptr()),
                         static_cast<std::size_t>(sizes[0][r].item<std::int64_t>()));
    return out;
}

void recordWork(const std::string& what, std::int64_t count) {
    std::lock_guard<std::mutex> lock(ledger().mutex);
    ledger().counts[what] += count;
}

bool ownsItem(std::int64_t index) { return index % worldSize() == rank(); }

std::pair<std::int64_t, std::int64_t> shard(std::int64_t count, int r, int world) {
    const std::int64_t base = count / world, extra = count % world;
    const std::int64_t begin = r * base + std::min<std::int64_t>(r, extra);
    return {begin, begin + base + (r < extra ? 1 : 0)};
}

} // namespace dist

} // namespace memloc::core
