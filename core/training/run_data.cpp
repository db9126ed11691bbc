#include "training/run_data.h"

#include "data/dataset.h"
#include "memloc/error.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

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
    if (c.dataset == "cifar100") return {loadCifar100Split(dir, true), loadCifar100Split(dir, false)};
    if (c.dataset == "svhn") return {loadSvhnSplit(dir, true), loadSvhnSplit(dir, false)};
    if (c.dataset == "synthetic")
        return {makeSyntheticImages(c.syntheticTrain, c.syntheticClasses, 1, c.syntheticSize, kSyntheticSeed, false),
                makeSyntheticImages(c.syntheticTest, c.syntheticClasses, 1, c.syntheticSize, kSyntheticSeed, true)};
    throw Error("unknown dataset '" + c.dataset + "' (expected " + datasetList() + ")");
}

} // namespace

RunData prepareRunData(const RunConfig& config, torch::Device device, bool readFocusFile) {
    RunData d;
    d.datasetName = config.dataset;
    d.dataDir = config.dataset == "synthetic" ? "" : (config.dataDir.empty() ? defaultDataDir(config.dataset) : config.dataDir);
    if (config.dataset != "synthetic" && d.dataDir.empty())
        throw Error("dataset '" + config.dataset + "' needs a data folder (--data-dir)");
    std::error_code ec;
    if (config.dataset != "synthetic" && config.dataDir.empty() && !std::filesystem::is_directory(d.dataDir, ec))
        throw Error("dataset '" + config.dataset + "': its default data folder " + d.dataDir +
                    " does not exist; set data_dir (--data-dir) to the folder that holds its files");
    Splits s = loadSplits(config, d.dataDir);
    d.numClasses = s.train.numClasses;

    d.trainIndices = chooseSubset(s.train.size(), config.subset, config.subsetMode,
                                  static_cast<std::uint64_t>(config.subsetSeed));
    d.testIndices = chooseSubset(s.test.size(), config.testSubset, "first", 0);
    torch::Tensor trainPixels = s.train.images.index_select(0, d.trainIndices).to(torch::kFloat).div_(255.0);
    torch::Tensor testPixels = s.test.images.index_select(0, d.testIndices).to(torch::kFloat).div_(255.0);

    const std::int64_t channels = trainPixels.size(1);
    torch::Tensor mean, stddev;
    if (const std::optional<Normalization> fixed = parseNormalization(config.normalize)) {
        if (fixed->mean.empty()) {
            mean = torch::zeros({channels});
            stddev = torch::ones({channels});
        } else {
            if (static_cast<std::int64_t>(fixed->mean.size()) != channels)
                throw Error("normalize \"" + config.normalize + "\" gives " + std::to_string(fixed->mean.size()) +
                            " channel(s), the dataset's images have " + std::to_string(channels));
            mean = torch::tensor(fixed->mean, torch::kDouble).to(torch::kFloat);
            stddev = torch::tensor(fixed->stddev, torch::kDouble).to(torch::kFloat);
        }
    } else {
        mean = trainPixels.mean({0, 2, 3});
        stddev = trainPixels.std({0, 2, 3}).clamp_min(1e-6);
    }
    d.mean.assign(mean.data_ptr<float>(), mean.data_ptr<float>() + mean.numel());
    d.stddev.assign(stddev.data_ptr<float>(), stddev.data_ptr<float>() + stddev.numel());
    auto normalise = [&](torch::Tensor x) {
        return x.sub_(mean.view({1, -1, 1, 1})).div_(stddev.view({1, -1, 1, 1})).to(device);
    };
    d.trainImages = normalise(trainPixels);
    d.testImages = normalise(testPixels);

    // Stored labels (imported runs) are put in by useStoredLabels; start from the true ones.
    const double noise = config.labels == "stored" ? 0.0 : config.noise;
    NoisyLabels noisy = applyLabelNoise(s.train.labels.index_select(0, d.trainIndices), d.numClasses,
                                        noise, static_cast<std::uint64_t>(config.noiseSeed));
    d.trainTrue = noisy.trueLabels.to(device);
    d.trainGiven = noisy.givenLabels.to(device);
    d.noiseMask = noisy.noiseMask;
    d.noiseMaskDevice = noisy.noiseMask.to(device);
    d.focusMask = d.noiseMask;
    d.focusMaskDevice = d.noiseMaskDevice;
    if (readFocusFile && !config.focus.empty())
        useStoredFocus(d, focusMaskFromFile(config.focus, config.focusThreshold, d.trainIndices, s.train.size()));
    d.testLabels = s.test.labels.index_select(0, d.testIndices).to(device);
    return d;
}

void useStoredLabels(RunData& data, const torch::Tensor& given, const torch::Tensor& mask) {
    const std::int64_t n = data.trainSize();
    if (given.dim() != 1 || given.size(0) != n || mask.dim() != 1 || mask.size(0) != n)
        throw Error("stored labels: expected " + std::to_string(n) + " given labels and mask values, found " +
                    std::to_string(given.numel()) + " and " + std::to_string(mask.numel()));
    const torch::Tensor givenCpu = given.to(torch::kLong);
    const torch::Tensor maskCpu = mask.to(torch::kBool);
    if (!givenCpu.ne(data.trainTrue.cpu()).equal(maskCpu))
        throw Error("stored labels: the noise mask does not mark exactly the examples whose given label differs "
                    "from the dataset's label");
    data.trainGiven = givenCpu.to(data.trainTrue.device());
    const bool focusIsNoise = data.focusMask.is_same(data.noiseMask);
    data.noiseMask = maskCpu;
    data.noiseMaskDevice = maskCpu.to(data.trainTrue.device());
    if (focusIsNoise) {
        data.focusMask = data.noiseMask;
        data.focusMaskDevice = data.noiseMaskDevice;
    }
}

void useStoredFocus(RunData& data, const torch::Tensor& mask) {
    const std::int64_t n = data.trainSize();
    if (mask.dim() != 1 || mask.size(0) != n)
        throw Error("focus set: expected " + std::to_string(n) + " mask values, found " + std::to_string(mask.numel()));
    data.focusMask = mask.to(torch::kCPU, torch::kBool).contiguous();
    data.focusMaskDevice = data.focusMask.to(data.trainTrue.device());
}

} // namespace memloc::core
