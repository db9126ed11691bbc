// Side-by-side benchmarks: memloc's training epoch, rewinding grid, flipping and neuron dropping,
// timed on one run file that tests/python/bench_reference.py times the published way.

#include "memloc/bench.h"

#include "analysis/cached_evaluator.h"
#include "analysis/eval_sets.h"
#include "analysis/flipping_internal.h"
#include "analysis/loaded_run.h"
#include "analysis/unit_scores.h"
#include "bench/flops.h"
#include "io/run_file.h"
#include "memloc/error.h"
#include "memloc/neurons.h"
#include "memloc/rewinding.h"
#include "memloc/training.h"
#include "training/evaluator.h"
#include "training/gradient_accountant.h"
#include "training/sgd.h"
#include "training/train_step.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

constexpr double kNoise = 0.1;
constexpr double kBenchLr = 0.01;
/// Seed of the timed epochs' example order (tests/python/bench_reference.py uses the same). It must
/// differ from the run's noise seed (0): label noise takes the first 10% of a randperm with that
/// seed, so an order drawn with it would put every noisy example in the first batches and leave
/// the rest all-clean, which gradient accounting handles with a single backward pass.
constexpr std::uint64_t kEpochOrderSeed = 2023;

/// Runs `fn` once to warm up, then `repeats` times; returns every duration and their median.
template <typename Fn>
TimedFigure timed(std::int64_t repeats, Fn&& fn) {
    fn();
    TimedFigure f;
    for (std::int64_t r = 0; r < std::max<std::int64_t>(1, repeats); ++r) {
        const auto start = std::chrono::steady_clock::now();
        fn();
        f.samples.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::vector<double> sorted = f.samples;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t n = sorted.size();
    f.median = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    return f;
}

RunConfig benchConfig(const SideBySideOptions& o) {
    RunConfig c;
    c.dataset = o.dataset;
    c.subset = o.train;
    c.testSubset = o.test;
    c.noise = kNoise;
    c.model = "resnet9";
    c.width = o.width;
    c.epochs = o.epochs;
    c.batchSize = o.batchSize;
    c.accounting = true;
    c.evalBatchSize = o.evalBatch;
    c.device = "cpu";
    c.threads = o.threads;
    return c;
}

/// One epoch of trainStep over the run's training set in a fixed order, as the trainer does it
/// (without the per-epoch evaluation), on a freshly initialised model.
TimedFigure timeEpoch(const LoadedRun& run, const SideBySideOptions& o, bool accounting) {
    torch::manual_seed(0);
    std::shared_ptr<Net> model = buildRunModel(run);
    model->train();
    Sgd sgd(model->parameters(), 0.9, 5e-4, true);
    std::optional<GradientAccountant> accountant;
    if (accounting) accountant.emplace(*model, model->layerGroups());
    const RunData& d = run.data;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(kEpochOrderSeed);
    const torch::Tensor order = torch::randperm(d.trainSize(), gen, torch::kLong);
    std::vector<torch::Tensor> images, labels, noisy;
    std::vector<std::int64_t> noisyCounts;
    for (std::int64_t s = 0; s < order.size(0); s += o.batchSize) {
        const torch::Tensor ids = order.slice(0, s, std::min(order.size(0), s + o.batchSize));
        const torch::Tensor dev = ids.to(d.trainImages.device());
        images.push_back(d.trainImages.index_select(0, dev));
        labels.push_back(d.trainGiven.index_select(0, dev));
        noisy.push_back(d.focusMask.index_select(0, ids).to(d.trainImages.device()));
        noisyCounts.push_back(noisy.back().sum().item<std::int64_t>());
    }
    return timed(o.repeats, [&] {
        if (accountant) accountant->beginEpoch();
        torch::Tensor sink;
        for (std::size_t b = 0; b < images.size(); ++b)
            sink = trainStep(*model, sgd, accountant ? &*accountant : nullptr, images[b], labels[b], noisy[b],
                             noisyCounts[b], kBenchLr);
        sink.item<double>();
        if (accountant) accountant->endEpoch();
    });
}

/// Flip targets as runFlipping chooses them: examples predicted with their given label, in a
/// seeded random order, half of them noisy (memorized) when the run has enough.
std::vector<std::pair<std::int64_t, bool>> flipTargets(Net& model, const RunData& d, std::int64_t count,
                                                       std::int64_t seed) {
    const torch::Tensor pred = predictClasses(model, d.trainImages, 1024);
    const torch::Tensor ok = pred.eq(d.trainGiven.cpu());
    auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<std::uint64_t>(seed));
    const torch::Tensor order = torch::randperm(d.trainSize(), gen, torch::kLong);
    std::vector<std::pair<std::int64_t, bool>> noisy, clean;
    for (std::int64_t i = 0; i < order.size(0); ++i) {
        const std::int64_t id = order[i].item<std::int64_t>();
        if (!ok[id].item<bool>()) continue;
        (d.focusMask[id].item<bool>() ? noisy : clean).push_back({id, d.focusMask[id].item<bool>()});
    }
    const std::size_t wantNoisy = std::min<std::size_t>(noisy.size(), static_cast<std::size_t>(count / 2));
    std::vector<std::pair<std::int64_t, bool>> out(noisy.begin(), noisy.begin() + static_cast<std::ptrdiff_t>(wantNoisy));
    for (const auto& c : clean)
        if (static_cast<std::int64_t>(out.size()) < count) out.push_back(c);
    return out;
}

} // namespace

void prepareBenchRun(const SideBySideOptions& options, const std::string& runPath, const ProgressFn& progress) {
    TrainCallbacks callbacks;
    callbacks.progress = progress;
    trainRun(benchConfig(options), runPath, callbacks, /*overwrite=*/true);
}

SideBySideTimings runSideBySide(const SideBySideOptions& o, const std::string& runPath, const ProgressFn& progress) {
    SideBySideTimings t;
    std::int64_t step = 0;
    constexpr std::int64_t kSteps = 6;
    auto report = [&](const std::string& stage) {
        if (progress) progress({step++, kSteps, stage});
    };

    LoadedRun run = loadRun(runPath, "cpu", o.threads);
    report("training epoch, plain");
    t.epochPlain = timeEpoch(run, o, false);
    report("training epoch, gradient accounting");
    t.epochAccounting = timeEpoch(run, o, true);
    t.trainFlopsPerEpoch = 3.0 * 2.0 * forwardMacsPerImage(*run.model, run.data.trainImages.slice(0, 0, 1)) *
                           static_cast<double>(run.data.trainSize());
    t.convPeakGflops = convPeakFlops(torch::kCPU, torch::kFloat, o.repeats) / 1e9;

    report("rewinding grid");
    RewindOptions rewind;
    for (std::int64_t e = 0; e < run.finalEpoch; ++e) rewind.epochs.push_back(e);
    rewind.evalSubset = o.evalSubset;
    rewind.batchSize = o.evalBatch;
    rewind.run.device = "cpu";
    rewind.run.threads = o.threads;
    t.rewindEpochs = rewind.epochs;
    t.rewindCells = static_cast<std::int64_t>(run.groups.size() * rewind.epochs.size());
    t.rewindGrid = timed(o.repeats, [&] { runRewinding(runPath, rewind); });

    report("flipping");
    {
        run.restoreFinal();
        Net& model = *run.model;
        model.eval();
        FlipOptions flip;
        flip.evalSubset = o.evalSubset;
        const auto targets = flipTargets(model, run.data, o.flipExamples, flip.seed);
        if (targets.empty()) throw Error(runPath + ": no correctly predicted example to flip");
        std::vector<ScoredParam> params = scoredParams(model, run.groups, true);
        const EvalSets sets = makeEvalSets(run.data, o.evalSubset);
        for (const auto& target : targets) t.flipIds.push_back(target.first);
        t.flipPerExample = timed(o.repeats, [&] {
            // As runFlipping: one activation cache per run of the analysis, filled as it goes.
            CachedEvaluator evaluator(model, sets, o.evalBatch);
            FlipEvalCache cache{&evaluator, {}};
            for (const auto& g : run.groups) cache.groupBlocks.push_back(blockOfGroup(g));
            t.flipUnits.clear();
            for (const auto& [id, isNoisy] : targets)
                t.flipUnits.push_back(static_cast<std::int64_t>(
                    flipOneExample(model, run.data, flip, id, isNoisy, params, sets, o.evalBatch, &cache).units.size()));
        });
        const double n = static_cast<double>(targets.size());
        t.flipPerExample.median /= n;
        for (double& s : t.flipPerExample.samples) s /= n;
    }

    report("neuron dropping");
    {
        DropSession session(runPath, o.evalSubset, "cpu", o.threads);
        const std::vector<std::string> groups = session.groups();
        const std::vector<std::int64_t> units = session.units();
        std::size_t lastConv = groups.size() >= 2 ? groups.size() - 2 : 0;  // ResNet-9: conv4, before fc
        for (std::size_t g : {std::size_t{0}, lastConv}) {
            std::int64_t channel = 0;
            TimedFigure f = timed(o.repeats * 3, [&] {
                channel = (channel + 1) % units[g];
                session.evaluate({UnitRef{groups[g], channel}}, 0);
            });
            (g == 0 ? t.dropFirstGroup : t.dropLastConv) = f;
        }
    }
    report("done");
    return t;
}

void writeHistoryRun(const std::string& runPath, double width, std::int64_t epochs, std::int64_t train,
                     std::int64_t threads) {
    if (epochs < 1) throw Error("history run: epochs must be >= 1");
    RunConfig c;
    c.subset = train;
    c.testSubset = train;
    c.width = width;
    c.epochs = epochs;
    c.accounting = false;
    c.device = "cpu";
    c.threads = threads;
    CancelToken stop;
    TrainCallbacks callbacks;
    callbacks.cancel = &stop;
    callbacks.epochDone = [&](const EpochMetrics& m) {  // train one epoch only
        if (m.epoch >= 1) stop.cancel();
    };
    trainRun(c, runPath, callbacks, /*overwrite=*/true);
    LoadedRun run = loadRun(runPath, "cpu", threads);
    const std::int64_t stepsPerEpoch = (train + c.batchSize - 1) / c.batchSize;
    EpochMetrics metrics;
    for (std::int64_t e = run.finalEpoch + 1; e <= epochs; ++e) {
        metrics.epoch = e;
        appendEpoch(runPath, *run.model, metrics, nullptr, {}, e * stepsPerEpoch);
    }
}

} // namespace memloc::core
