#pragma once
// The complete description of a training run. Stored verbatim (as JSON) in every run file.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace memloc::core {

/// Every setting of a training run. JSON keys are the snake_case member names (batchSize ->
/// "batch_size"); see README "Configuration keys".
struct RunConfig {
    // Data
    std::string dataset = "fashion-mnist";  ///< fashion-mnist | mnist | cifar10 | cifar100 | svhn | synthetic
    std::string dataDir;                    ///< empty: the dataset's default location
    std::int64_t subset = 0;                ///< training examples used; 0 = all
    std::string subsetMode = "first";       ///< first | random
    std::int64_t subsetSeed = 0;            ///< seed of a random subset
    std::int64_t testSubset = 0;            ///< test examples used (always the first N); 0 = all
    double noise = 0.1;                     ///< fraction of training labels replaced, [0, 1)
    std::int64_t noiseSeed = 0;             ///< seed of the noise draw
    /// Where the given labels come from: "seeded" (the paper's procedure from noise and
    /// noise_seed) or "stored" (imported runs: the run file's /dataset/given_labels).
    std::string labels = "seeded";
    /// Input normalisation: "subset" (per-channel mean/std of the training subset), "none"
    /// (pixels in [0, 1]) or explicit per-channel values "M1,M2,M3/S1,S2,S3".
    std::string normalize = "subset";
    /// The studied example set, compared with the rest by every analysis. Empty: the examples
    /// whose label noise replaced. Else a file (.txt: values separated by white space, '#' starts
    /// a comment; .csv: the first column; .npy; FILE.h5:DATASET) of indices into the dataset's
    /// training split, or, when focus_threshold is set, one score per training-split example
    /// (e.g. consistency scores), of which those below the threshold form the set.
    std::string focus;
    std::optional<double> focusThreshold;   ///< see focus; unset: the file lists indices
    std::string focusName;                  ///< the set's name in views and reports ("" = derived)
    // Synthetic data only
    std::int64_t syntheticTrain = 512;
    std::int64_t syntheticTest = 256;
    std::int64_t syntheticSize = 16;   ///< image side in pixels
    std::int64_t syntheticClasses = 4;
    // Model
    std::string model = "resnet9";  ///< resnet9 | mlp | resnet50 | vit
    double width = 1.0;             ///< channel (or hidden unit) multiplier
    std::string resnetStem = "imagenet";  ///< resnet50: imagenet (7x7/2 conv + maxpool) | cifar (3x3/1 conv)
    std::int64_t patchSize = 2;           ///< vit: patch side in pixels; must divide the image size
    // Example-tied dropout (resnet9 only)
    std::string dropout = "none";            ///< none | example-tied
    double pGen = 0.2;                       ///< fraction of generalization channels
    double pMem = 0.1;                       ///< probability a memorization channel is on
    std::string dropoutBlocks = "0,1,2,3,5,6";  ///< top-level blocks followed by dropout
    /// How p_gen x C becomes a channel count: "round" (to nearest, at least 1) or "floor"
    /// (truncation, as the paper's published code does with int(); at least 1).
    std::string etdRounding = "round";
    // Optimisation
    std::int64_t epochs = 20;
    std::int64_t batchSize = 128;
    double lr = 0.05;          ///< peak learning rate
    double momentum = 0.9;
    bool nesterov = true;
    double weightDecay = 5e-4;
    std::string schedule = "cosine";  ///< cosine (linear warm-up) | triangle | constant
    double warmup = 0.1;              ///< cosine: fraction of iterations spent warming up
    double peakEpoch = 10;            ///< triangle: epoch at which the LR peaks
    std::int64_t seed = 0;            ///< initialisation and shuffling
    bool accounting = true;           ///< per-group gradient accounting (clean vs noisy)
    std::int64_t evalBatchSize = 1024;
    /// Training arithmetic: "fp32", or "bf16" (forward passes under bfloat16 autocast:
    /// convolutions and matrix products in bfloat16; weights, BatchNorm, losses, gradients and the
    /// optimizer stay float32). bf16 changes results; it pays off on GPUs and bf16-capable CPUs.
    std::string precision = "fp32";
    /// Layout of 4-D weights and image batches while training: "contiguous" (NCHW),
    /// "channels_last" (NHWC; same values up to rounding, often faster convolutions) or "auto"
    /// (channels_last on a GPU, where it is 20-25% faster, contiguous on the CPU).
    std::string memoryFormat = "auto";
    // Execution. Not part of the science, but on the CPU the thread count changes the order of
    // some sums, so its last bits: a demo-size run trained with 1 and with 2 threads differs
    // from the first epoch on (tiny runs often do not).
    std::string device = "auto";  ///< auto | cpu | cuda | cuda:N
    std::int64_t threads = 0;     ///< intra-op threads; 0 = every core
};

/// Parses a JSON object into a config. Keys missing from the JSON keep `base`'s values; unknown
/// keys and wrongly typed values throw Error naming the key. `origin` names the source (a file
/// path) in messages.
RunConfig configFromJson(const std::string& json, const std::string& origin,
                         const RunConfig& base = RunConfig{});

/// Reads and parses a JSON config file; throws Error naming the file on any problem.
RunConfig loadConfigFile(const std::string& path, const RunConfig& base = RunConfig{});

/// Serialises every member (pretty-printed JSON object).
std::string configToJson(const RunConfig& config);

/// Throws Error with a message naming the setting if a value is out of range or unknown.
void validateConfig(const RunConfig& config);

/// Explicit input normalisation: per-channel mean and standard deviation (empty: none, i.e.
/// mean 0 and std 1 for every channel).
struct Normalization {
    std::vector<double> mean, stddev;
};

/// Parses RunConfig::normalize: nullopt for "subset", else the values ("none" -> empty).
/// Throws Error on anything else.
std::optional<Normalization> parseNormalization(const std::string& text);

/// What the studied example set and the rest are called in labels: "mislabeled" and "clean"
/// without a focus file; with one, focus_name (or the file's name without its extension) and
/// "other".
struct FocusNames {
    std::string set, rest;
    bool labelNoise = true;  ///< the set is the mislabeled examples
};
FocusNames focusNames(const RunConfig& config);

/// The values of RunConfig::dataset: fashion-mnist, mnist, cifar10, cifar100, svhn, synthetic.
const std::vector<std::string>& datasetNames();

/// datasetNames() for messages: "fashion-mnist, mnist, ... or synthetic".
std::string datasetList();

/// The default data folder for a dataset name: /usr/share/datasets/NAME (where Debian's
/// dataset-fashion-mnist package puts Fashion-MNIST) for every real dataset, "" for synthetic
/// data and unknown names.
std::string defaultDataDir(const std::string& dataset);

} // namespace memloc::core
