#include "training/run_data.h"

#include "data/dataset.h"
#include "memloc/error.h"

namespace memloc::core {

namespace {

constexpr std::uint64_t kSyntheticSeed = 20230709;

struct Splits {
    ImageSet train, test;
};

Splits loadSplits(const RunConfig& c, const std::string& dir) {
    if (c.dataset == "fashion-mnist" || c.dataset == "mnist")
        return {loadMnistSplit(dir, true), loadMnistSplit(dir, false)};
    if (c.dataset == "cifar10") return {loadCifar10Split(dir, true), loadCifar10Split(dir, false)};
    if (c.dataset == "synthetic")
        return {makeSyntheticImages(c.syntheticTrain, c.syntheticClasses, 1, c.syntheticSize, kSyntheticSeed, false),
                makeSyntheticImages(c.syntheticTest, c.syntheticClasses, 1, c.syntheticSize, kSyntheticSeed, true)};
    throw Error("unknown dataset '" + c.dataset + "' (expected fashion-mnist, mnist, cifar10 or synthetic)");
}

} // namespace

RunData prepareRunData(const RunConfig& config, torch::Device device) {
    RunData d;
    d.datasetName = config.dataset;
    d.dataDir = config.dataset == "synthetic" ? "" : (config.dataDir.empty() ? defaultDataDir(config.dataset) : config.dataDir);
    if (config.dataset != "synthetic" && d.dataDir.empty())
        throw Error("dataset '" + config.dataset + "' needs a data folder (--data-dir)");
    Splits s = loadSplits(config, d.dataDir);
    d.numClasses = s.train.numClasses;

    d.trainIndices = chooseSubset(s.train.size(), config.subset, config.subsetMode,
                                  static_cast<std::uint64_t>(config.subsetSeed));
    d.testIndices = chooseSubset(s.test.size(), config.testSubset, "first", 0);
    torch::Tensor trainPixels = s.train.images.index_select(0, d.trainIndices).to(torch::kFloat).div_(255.0);
    torch::Tensor testPixels = s.test.images.index_select(0, d.testIndices).to(torch::kFloat).div_(255.0);

    torch::Tensor mean = trainPixels.mean({0, 2, 3});
    torch::Tensor stddev = trainPixels.std({0, 2, 3}).clamp_min(1e-6);
    d.mean.assign(mean.data_ptr<float>(), mean.data_ptr<float>() + mean.numel());
    d.stddev.assign(stddev.data_ptr<float>(), stddev.data_ptr<float>() + stddev.numel());
    auto normalise = [&](torch::Tensor x) {
        return x.sub_(mean.view({1, -1, 1, 1})).div_(stddev.view({1, -1, 1, 1})).to(device);
    };
    d.trainImages = normalise(trainPixels);
    d.testImages = normalise(testPixels);

    NoisyLabels noisy = applyLabelNoise(s.train.labels.index_select(0, d.trainIndices), d.numClasses,
                                        config.noise, static_cast<std::uint64_t>(config.noiseSeed));
    d.trainTrue = noisy.trueLabels.to(device);
    d.trainGiven = noisy.givenLabels.to(device);
    d.noiseMask = noisy.noiseMask;
    d.noiseMaskDevice = noisy.noiseMask.to(device);
    d.testLabels = s.test.labels.index_select(0, d.testIndices).to(device);
    return d;
}

} // namespace memloc::core
