#pragma once
// Training a model with label noise into a run file.

#include "memloc/progress.h"
#include "memloc/run_config.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace memloc::core {

/// Metrics recorded after one training epoch. Accuracies are fractions in [0, 1], measured in
/// eval mode after the epoch; `trainLoss` is the mean cross-entropy over the epoch's batches
/// (train mode, given labels). "Noisy" means the studied set: the mislabeled examples, or the
/// focus set when the config names a focus file ("clean" is then the rest). Noisy accuracies
/// are NaN when the set is empty.
struct EpochMetrics {
    std::int64_t epoch = 0;  ///< 1-based; 0 = the initialisation
    double trainLoss = 0;
    double trainCleanAcc = 0;
    double trainNoisyGivenAcc = 0;  ///< memorization
    double trainNoisyTrueAcc = 0;
    double testAcc = 0;
    double lr = 0;         ///< learning rate of the epoch's last iteration
    double seconds = 0;    ///< wall time of the epoch (training + evaluation)
};

/// Gradient accounting of one epoch, one entry per layer group.
struct EpochAccounting {
    std::vector<double> cleanNorm, noisyNorm, totalNorm, cosine;
};

/// Callbacks of trainRun / resumeRun. All are optional and called on the training thread.
struct TrainCallbacks {
    ProgressFn progress;                                   ///< per batch
    std::function<void(const EpochMetrics&)> epochDone;  ///< after each epoch is saved
    const CancelToken* cancel = nullptr;
};

/// Outcome of a (possibly interrupted) training call.
struct TrainResult {
    std::int64_t epochsCompleted = 0;
    std::int64_t epochsPlanned = 0;
    bool cancelled = false;
    std::string device;  ///< e.g. "cpu (2 threads)" or "cuda:0 (NVIDIA H100)"
};

/// Trains a new run described by `config` and writes it to `outPath` (HDF5, see README).
/// Blocks until done. Loads the dataset, applies label noise, builds the model, stores epoch 0
/// (initialisation), then trains, saving each completed epoch (checkpoint, metrics, accounting)
/// before starting the next. Cancellation ends the epoch in progress without saving it and
/// returns with `cancelled` set. Allocates the dataset on the device (train + test images as
/// float32), the model, its optimizer state and, with accounting, two gradient sums per
/// parameter. Refuses to overwrite an existing file unless `overwrite`. Throws Error on bad
/// config, missing data or unwritable output.
TrainResult trainRun(const RunConfig& config, const std::string& outPath,
                     const TrainCallbacks& callbacks = {}, bool overwrite = false);

/// Continues an interrupted run from its last complete epoch, with its stored config (the
/// execution settings device/threads may be overridden). Produces the same metrics as an
/// uninterrupted run on CPU. Returns at once if the run is already complete.
TrainResult resumeRun(const std::string& runPath, const TrainCallbacks& callbacks = {},
                      const std::string& deviceOverride = "", std::int64_t threadsOverride = -1);

/// What runTrainingBenchmark measures: every combination of width, precision and memory format,
/// each with and without gradient accounting.
struct BenchOptions {
    std::vector<double> widths{1.0, 0.25};
    std::vector<std::string> precisions{"fp32"};             ///< RunConfig::precision values
    std::vector<std::string> memoryFormats{"contiguous"};    ///< RunConfig::memoryFormat values
    std::int64_t batches = 20;     ///< timed batches per figure
    std::int64_t batchSize = 128;
    std::string device = "auto";
    std::int64_t threads = 0;
    bool measurePeak = true;  ///< also time a large conv2d per precision (BenchFigure::peakFlops)
};

/// Figures of one training-throughput measurement (see runTrainingBenchmark).
struct BenchFigure {
    std::string model;
    double width = 1;
    std::string precision = "fp32";
    std::string memoryFormat = "contiguous";
    bool accounting = false;
    double imagesPerSecond = 0;
    /// Training arithmetic per image: 3 x the forward pass's FLOPs (2 per multiply-accumulate) of
    /// the convolutions and linear layers (forward, input gradient, weight gradient); gradient
    /// accounting's extra backward pass is not counted, so its figure is comparable work.
    double trainFlopsPerImage = 0;
    /// The measured conv2d peak of this device in this precision (FLOP/s; 0 when not measured).
    double peakFlops = 0;
    double achievedFlops() const { return trainFlopsPerImage * imagesPerSecond; }
};

/// Measures ResNet-9 training throughput on synthetic 1x28x28 images for every combination in
/// `options`, plain then with gradient accounting (figures in that order), each after one
/// warm-up batch. Throws Error for an unknown precision or memory format.
std::vector<BenchFigure> runTrainingBenchmark(const BenchOptions& options, const ProgressFn& progress = {});

} // namespace memloc::core
