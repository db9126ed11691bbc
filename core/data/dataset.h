#pragma once
// Image datasets as tensors (internal: includes torch). Readers validate everything they read and
// throw memloc::core::Error naming the file and the problem.

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>

namespace memloc::core {

/// A labelled image set held as tensors on the CPU.
struct ImageSet {
    torch::Tensor images;  ///< uint8 [N, C, H, W], raw pixel values
    torch::Tensor labels;  ///< int64 [N], in [0, numClasses)
    std::int64_t numClasses = 0;

    std::int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

/// Reads an IDX image file (magic 0x00000803, uint8 [N, rows, cols]) as uint8 [N, 1, rows, cols].
/// Gzipped files (the Debian packages ship .gz) are read as they are, detected by content.
ImageSet readIdxImages(const std::string& path);

/// Reads an IDX label file (magic 0x00000801, uint8 [N]) as int64 [N].
torch::Tensor readIdxLabels(const std::string& path);

/// Loads the MNIST-layout training or test split from `dir`: train-images-idx3-ubyte[.gz] and
/// train-labels-idx1-ubyte[.gz] (t10k-* for test). Checks that image and label counts agree and
/// labels are < 10. numClasses = 10.
ImageSet loadMnistSplit(const std::string& dir, bool train);

/// Loads CIFAR-10 binary batches from `dir` (data_batch_1..5.bin for train, test_batch.bin for
/// test; the dir may also be the parent containing cifar-10-batches-bin/). Each record is 1 label
/// byte + 3072 pixel bytes; a file whose size is not a multiple of 3073 is reported as truncated.
ImageSet loadCifar10Split(const std::string& dir, bool train);

/// Loads CIFAR-100 binary files from `dir` (train.bin or test.bin; the dir may also be the parent
/// containing cifar-100-binary/). Each record is 1 coarse label byte (< 20) + 1 fine label byte
/// (< 100) + 3072 pixel bytes; the labels are the fine ones. numClasses = 100.
ImageSet loadCifar100Split(const std::string& dir, bool train);

/// Whether this build reads SVHN's .mat files (it was built with libmatio).
bool svhnSupported();

/// Loads SVHN's cropped digits from `dir` (train_32x32.mat or test_32x32.mat, MATLAB v5 or v7.3):
/// `X` uint8 32x32x3xN (column-major, so image n is X(:,:,:,n)) and `y` Nx1 with labels 1..10,
/// where 10 is the digit 0 (stored as label 0). numClasses = 10. Throws Error when this build has
/// no libmatio.
ImageSet loadSvhnSplit(const std::string& dir, bool train);

/// A deterministic synthetic image set for tests: each class has a fixed random prototype
/// pattern (seeded), examples are prototype + noise, clipped to uint8. Learnable in a few epochs.
ImageSet makeSyntheticImages(std::int64_t n, std::int64_t numClasses, std::int64_t channels,
                             std::int64_t side, std::uint64_t seed, bool testSplit);

/// Indices (int64, ascending for "first", random order sorted ascending for "random") of a subset
/// of size n out of `total` (n == 0 or n >= total: all). mode: "first" | "random".
torch::Tensor chooseSubset(std::int64_t total, std::int64_t n, const std::string& mode,
                           std::uint64_t seed);

/// Label noise as the paper defines it: exactly floor(fraction * N) examples, drawn without
/// replacement with a generator seeded by `seed`, each get a label drawn uniformly from the
/// numClasses - 1 labels that differ from its true label.
struct NoisyLabels {
    torch::Tensor trueLabels;   ///< int64 [N]
    torch::Tensor givenLabels;  ///< int64 [N]
    torch::Tensor noiseMask;    ///< bool [N], true = label replaced
};
NoisyLabels applyLabelNoise(const torch::Tensor& trueLabels, std::int64_t numClasses, double fraction,
                            std::uint64_t seed);

/// The focus set of a run over its training subset: bool [trainIndices.size(0)]. Without a
/// threshold `file` lists indices into the dataset's training split (splitSize examples); with
/// one it holds a score per training-split example, and those below the threshold are the set.
/// Formats as readIntVectorFile. Throws Error naming the file when an index is out of range, the
/// score count differs from splitSize, or the set is empty or the whole subset.
torch::Tensor focusMaskFromFile(const std::string& file, std::optional<double> threshold, const torch::Tensor& trainIndices,
                                std::int64_t splitSize);

} // namespace memloc::core
