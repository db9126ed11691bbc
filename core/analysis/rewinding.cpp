// Layer rewinding and the in-place group rewinding it shares with retraining.

#include "memloc/rewinding.h"

#include "analysis/cached_evaluator.h"
#include "analysis/eval_sets.h"
#include "analysis/loaded_run.h"
#include "analysis/rewinding_internal.h"
#include "dist/process_group.h"
#include "io/analysis_store.h"
#include "io/h5_util.h"
#include "io/run_file.h"
#include "memloc/error.h"
#include "memloc/run_summary.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

constexpr const char* kAnalysisName = "rewinding";
constexpr const char* kCommand = "rewind";

torch::Tensor gridTensor(const std::vector<std::vector<double>>& grid, std::size_t cols) {
    torch::Tensor t = torch::empty({static_cast<std::int64_t>(grid.size()), static_cast<std::int64_t>(cols)},
                                   torch::kFloat64);
    auto a = t.accessor<double, 2>();
    for (std::size_t r = 0; r < grid.size(); ++r)
        for (std::size_t c = 0; c < cols; ++c)
            a[static_cast<std::int64_t>(r)][static_cast<std::int64_t>(c)] = grid[r][c];
    return t;
}

std::vector<std::vector<double>> gridFromTensor(const torch::Tensor& stored, const std::string& path,
                                                const std::string& name, std::size_t rows, std::size_t cols) {
    if (stored.dim() != 2 || stored.size(0) != static_cast<std::int64_t>(rows) ||
        stored.size(1) != static_cast<std::int64_t>(cols))
        throw Error(path + ": damaged rewinding result: '" + name + "' is not a " + std::to_string(rows) + " x " +
                    std::to_string(cols) + " grid");
    const torch::Tensor t = stored.to(torch::kFloat64).contiguous();
    auto a = t.accessor<double, 2>();
    std::vector<std::vector<double>> grid(rows, std::vector<double>(cols));
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c)
            grid[r][c] = a[static_cast<std::int64_t>(r)][static_cast<std::int64_t>(c)];
    return grid;
}

RewindAccuracy toAccuracy(const EvalAccuracy& e) { return {e.clean, e.noisyGiven, e.noisyTrue, e.test}; }

void storeRewinding(const RewindResult& r) {
    AnalysisWriter writer(r.runPath, kAnalysisName);
    try {
        H5::Group& g = writer.group();
        h5::writeAttr(g, "eval_subset", r.evalSubset);
        h5::writeAttr(g, "batch_size", r.batchSize);
        h5::writeAttr(g, "final_epoch", r.finalEpoch);
        h5::writeAttr(g, "clean_count", r.cleanCount);
        h5::writeAttr(g, "noisy_count", r.noisyCount);
        h5::writeAttr(g, "test_count", r.testCount);
        h5::writeAttr(g, "final_clean", r.finalModel.clean);
        h5::writeAttr(g, "final_noisy_given", r.finalModel.noisyGiven);
        h5::writeAttr(g, "final_noisy_true", r.finalModel.noisyTrue);
        h5::writeAttr(g, "final_test", r.finalModel.test);
        h5::writeStrings(g, "group_names", r.groups);
        h5::writeInts(g, "rewind_epochs", r.epochs);
        h5::writeTensor(g, "clean", gridTensor(r.clean, r.epochs.size()));
        h5::writeTensor(g, "noisy_given", gridTensor(r.noisyGiven, r.epochs.size()));
        h5::writeTensor(g, "noisy_true", gridTensor(r.noisyTrue, r.epochs.size()));
        h5::writeTensor(g, "test", gridTensor(r.test, r.epochs.size()));
    } catch (const H5::Exception& e) {
        rethrowH5(r.runPath, "writing the rewinding result", e);
    }
    writer.commit();
}

} // namespace

std::vector<std::string> groupParameterNames(const std::vector<LayerGroup>& groups,
                                             const std::vector<std::size_t>& indices) {
    std::vector<std::string> names;
    for (std::size_t i : indices) names.insert(names.end(), groups.at(i).parameters.begin(), groups.at(i).parameters.end());
    return names;
}

void assignParameters(Net& model, const NamedTensors& values) {
    auto params = model.named_parameters();
    for (const auto& [name, value] : values) {
        const torch::Tensor* p = params.find(name);
        if (!p) throw Error("model has no parameter '" + name + "'");
        if (!p->sizes().equals(value.sizes()))
            throw Error("parameter '" + name + "' has shape " + c10::str(p->sizes()) + ", the stored value " +
                        c10::str(value.sizes()));
    }
    torch::NoGradGuard noGrad;
    for (const auto& [name, value] : values) params[name].copy_(value);
}

NamedTensors rewindGroups(const LoadedRun& run, const std::vector<std::size_t>& indices, std::int64_t epoch) {
    const std::vector<std::string> names = groupParameterNames(run.groups, indices);
    const NamedTensors stored = RunFileReader(run.path).readCheckpointTensors(epoch, names);
    NamedTensors previous;
    auto params = run.model->named_parameters();
    for (const auto& name : names) {
        const torch::Tensor* p = params.find(name);
        if (!p) throw Error(run.path + ": the model has no parameter '" + name + "'");
        previous[name] = p->detach().clone();
    }
    assignParameters(*run.model, stored);
    return previous;
}

std::vector<std::size_t> resolveGroups(const std::string& runPath, const std::vector<std::string>& groupNames,
                                       const std::vector<std::string>& keys) {
    LoadedRun probe;  // only its group list, for LoadedRun::groupIndex's rules and message
    for (const auto& name : groupNames) {
        LayerGroup g;
        g.name = name;
        probe.groups.push_back(g);
    }
    std::vector<std::size_t> out;
    if (keys.empty()) {
        for (std::size_t i = 0; i < groupNames.size(); ++i) out.push_back(i);
        return out;
    }
    for (const auto& key : keys) {
        std::size_t index = 0;
        try {
            index = probe.groupIndex(key);
        } catch (const Error& e) {
            throw Error(runPath + ": " + e.what());
        }
        if (std::find(out.begin(), out.end(), index) == out.end()) out.push_back(index);
    }
    return out;
}

/// "0..20" for contiguous epochs, else "0, 5, 10, 20"; "none" if empty.
std::string epochList(const std::vector<std::int64_t>& epochs) {
    if (epochs.empty()) return "none";
    if (epochs.back() - epochs.front() + 1 == static_cast<std::int64_t>(epochs.size()))
        return epochs.size() == 1 ? std::to_string(epochs.front())
                                  : std::to_string(epochs.front()) + ".." + std::to_string(epochs.back());
    std::string out;
    for (std::int64_t e : epochs) out += (out.empty() ? "" : ", ") + std::to_string(e);
    return out;
}

void requireUsableEpoch(const std::string& runPath, const std::vector<std::int64_t>& stored, std::int64_t epoch,
                        std::int64_t maxAllowed, const std::string& what) {
    const bool isStored = std::find(stored.begin(), stored.end(), epoch) != stored.end();
    if (isStored && epoch <= maxAllowed) return;
    std::vector<std::int64_t> usable;
    for (std::int64_t e : stored)
        if (e <= maxAllowed) usable.push_back(e);
    if (usable.empty())
        throw Error(runPath + ": " + what + " " + std::to_string(epoch) + ": the run stores no checkpoint before its final one (epoch " +
                    epochList(stored) + "); import a folder of per-epoch checkpoints to rewind or retrain");
    if (!isStored)
        throw Error(runPath + ": " + what + " " + std::to_string(epoch) + " is not a stored checkpoint (usable: epochs " +
                    epochList(usable) + ")");
    throw Error(runPath + ": " + what + " " + std::to_string(epoch) + " is not before the final epoch " +
                std::to_string(stored.back()) + " (usable: epochs " + epochList(usable) + ")");
}

void throwIfCancelled(const AnalysisRunOptions& options) {
    if (options.cancel && options.cancel->isCancelled()) throw Cancelled();
}

std::vector<std::int64_t> defaultRewindEpochs(std::int64_t finalEpoch, const std::vector<std::int64_t>& stored) {
    // Up to five stored epochs before the final one, nearest to 0, 1/4, 1/2, 3/4 and the last.
    std::vector<std::int64_t> usable;
    for (std::int64_t e : stored)
        if (e < finalEpoch) usable.push_back(e);
    if (stored.empty())
        for (std::int64_t e = 0; e < finalEpoch; ++e) usable.push_back(e);
    std::vector<std::int64_t> epochs;
    if (usable.empty()) return {0};  // reported as "no checkpoint before the final one"
    const std::int64_t last = usable.back();
    for (std::int64_t target : {std::int64_t{0}, finalEpoch / 4, finalEpoch / 2, (3 * finalEpoch) / 4, last}) {
        std::int64_t best = usable.front();
        for (std::int64_t e : usable)
            if (std::llabs(e - target) < std::llabs(best - target)) best = e;
        if (std::find(epochs.begin(), epochs.end(), best) == epochs.end()) epochs.push_back(best);
    }
    std::sort(epochs.begin(), epochs.end());
    return epochs;
}

RewindResult runRewinding(const std::string& runPath, const RewindOptions& options) {
    // Validate everything that the file's summary can tell before the (slow) dataset read.
    const RunSummary summary = readRunSummary(runPath);
    const std::int64_t finalEpoch = summary.epochsCompleted;
    if (finalEpoch < 1) throw Error(runPath + ": the run has no completed training epoch to analyse");
    if (options.evalSubset < 0) throw Error("rewinding: eval subset must be >= 0 (0 = all), got " + std::to_string(options.evalSubset));
    if (options.batchSize < 0) throw Error("rewinding: batch size must be >= 1 (0 = the run's), got " + std::to_string(options.batchSize));
    std::vector<std::string> groupNames;
    for (const auto& g : summary.groups) groupNames.push_back(g.name);
    const std::vector<std::size_t> groups = resolveGroups(runPath, groupNames, options.groups);
    std::vector<std::int64_t> epochs;
    for (std::int64_t e : options.epochs.empty() ? defaultRewindEpochs(finalEpoch, summary.checkpointEpochs) : options.epochs) {
        requireUsableEpoch(runPath, summary.checkpointEpochs, e, options.allowFinalEpoch ? finalEpoch : finalEpoch - 1,
                           "rewind epoch");
        if (std::find(epochs.begin(), epochs.end(), e) == epochs.end()) epochs.push_back(e);
    }
    throwIfCancelled(options.run);

    LoadedRun run = loadRun(runPath, options.run.device, options.run.threads);
    const EvalSets sets = makeEvalSets(run.data, options.evalSubset);
    RewindResult r;
    r.runPath = runPath;
    r.finalEpoch = finalEpoch;
    r.evalSubset = options.evalSubset;
    r.batchSize = options.batchSize > 0 ? options.batchSize : run.config.evalBatchSize;
    r.cleanCount = sets.cleanLabels.size(0);
    r.noisyCount = sets.noisyGiven.size(0);
    r.testCount = sets.testLabels.size(0);
    r.epochs = epochs;
    for (std::size_t g : groups) r.groups.push_back(run.groups[g].name);
    const std::size_t G = groups.size(), E = epochs.size();
    for (auto* grid : {&r.clean, &r.noisyGiven, &r.noisyTrue, &r.test})
        grid->assign(G, std::vector<double>(E, std::numeric_limits<double>::quiet_NaN()));

    const std::int64_t total = static_cast<std::int64_t>(G * E) + 1;
    std::int64_t done = 0;
    auto report = [&](const std::string& stage) {
        if (options.run.progress) options.run.progress({done, total, stage});
    };
    report("rewinding: final model");
    r.finalModel = toAccuracy(evaluateSets(*run.model, sets, r.batchSize));
    ++done;
    // Rewinding a group changes nothing before its top-level block: evaluate every rewind epoch
    // from that block's cached input, visiting groups in block order so each cached input is
    // computed from the previous one (one forward pass for the whole sweep).
    std::vector<std::size_t> order(G);
    for (std::size_t gi = 0; gi < G; ++gi) order[gi] = gi;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return blockOfGroup(run.groups[groups[a]]) < blockOfGroup(run.groups[groups[b]]);
    });
    // Several processes (memloc-cli under torchrun): each takes a contiguous share of the groups
    // in block order; the grids are summed over the processes (cells of other shares are 0).
    const auto [mineBegin, mineEnd] = dist::shard(static_cast<std::int64_t>(G), dist::rank(), dist::worldSize());
    if (dist::active()) {
        order = std::vector<std::size_t>(order.begin() + mineBegin, order.begin() + mineEnd);
        for (auto* grid : {&r.clean, &r.noisyGiven, &r.noisyTrue, &r.test})
            for (auto& row : *grid) std::fill(row.begin(), row.end(), 0.0);
    }
    CachedEvaluator evaluator(*run.model, sets, r.batchSize);
    for (std::size_t gi : order) {
        const std::size_t block = blockOfGroup(run.groups[groups[gi]]);
        evaluator.advanceTo(block);
        for (std::size_t ei = 0; ei < E; ++ei) {
            throwIfCancelled(options.run);
            report("rewinding " + r.groups[gi] + " to epoch " + std::to_string(epochs[ei]));
            const NamedTensors finalValues = rewindGroups(run, {groups[gi]}, epochs[ei]);
            const EvalAccuracy a = evaluator.evaluate(block);
            assignParameters(*run.model, finalValues);
            r.clean[gi][ei] = a.clean;
            r.noisyGiven[gi][ei] = a.noisyGiven;
            r.noisyTrue[gi][ei] = a.noisyTrue;
            r.test[gi][ei] = a.test;
            dist::recordWork("rewinding cells");
            ++done;
        }
    }
    dist::allReduceSumGrids({&r.clean, &r.noisyGiven, &r.noisyTrue, &r.test});
    report("rewinding: storing the result");
    throwIfCancelled(options.run);
    if (dist::isRoot()) storeRewinding(r);
    dist::barrier();
    return r;
}

RewindResult readRewinding(const std::string& runPath) {
    RunFileReader validate(runPath);
    RewindResult r;
    r.runPath = runPath;
    try {
        H5::H5File file(runPath, H5F_ACC_RDONLY);
        const H5::Group g = openAnalysis(file, runPath, kAnalysisName, kCommand);
        r.groups = h5::readStrings(g, "group_names");
        r.epochs = h5::readIntList(g, h5::childName(g, {"rewind_epochs", "epochs"}));  // "epochs" before format 3
        r.evalSubset = h5::readIntAttr(g, "eval_subset");
        r.batchSize = h5::readIntAttr(g, "batch_size");
        r.finalEpoch = h5::readIntAttr(g, "final_epoch");
        r.cleanCount = h5::readIntAttr(g, "clean_count");
        r.noisyCount = h5::readIntAttr(g, "noisy_count");
        r.testCount = h5::readIntAttr(g, "test_count");
        r.finalModel.clean = h5::readDoubleAttr(g, "final_clean");
        r.finalModel.noisyGiven = h5::readDoubleAttr(g, "final_noisy_given");
        r.finalModel.noisyTrue = h5::readDoubleAttr(g, "final_noisy_true");
        r.finalModel.test = h5::readDoubleAttr(g, "final_test");
        const std::size_t G = r.groups.size(), E = r.epochs.size();
        r.clean = gridFromTensor(h5::readTensor(g, "clean"), runPath, "clean", G, E);
        r.noisyGiven = gridFromTensor(h5::readTensor(g, "noisy_given"), runPath, "noisy_given", G, E);
        r.noisyTrue = gridFromTensor(h5::readTensor(g, "noisy_true"), runPath, "noisy_true", G, E);
        r.test = gridFromTensor(h5::readTensor(g, "test"), runPath, "test", G, E);
    } catch (const H5::Exception& e) {
        rethrowH5(runPath, "reading the rewinding result", e);
    }
    return r;
}

std::size_t middleRewindIndex(const RewindResult& r) {
    if (r.epochs.empty()) throw Error(r.runPath + ": the rewinding result has no rewind epochs");
    std::size_t mid = 0;
    for (std::size_t e = 0; e < r.epochs.size(); ++e)
        if (std::llabs(2 * r.epochs[e] - r.finalEpoch) < std::llabs(2 * r.epochs[mid] - r.finalEpoch)) mid = e;
    return mid;
}

} // namespace memloc::core
