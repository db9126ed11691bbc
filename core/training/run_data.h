#pragma once
// The data of one run, prepared from its config (internal: includes torch).

#include "memloc/run_config.h"

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

/// Training and test data of a run, normalised and placed on the compute device, with the
/// identity the run file records (subset indices, noise mask, both label sets).
struct RunData {
    std::string datasetName;
    std::string dataDir;                   ///< where the files were read ("" for synthetic)
    torch::Tensor trainImages;             ///< float32 [N, C, H, W] on the device, normalised
    torch::Tensor trainGiven, trainTrue;   ///< int64 [N] on the device
    torch::Tensor noiseMask;               ///< bool [N] on the CPU
    torch::Tensor noiseMaskDevice;         ///< bool [N] on the device
    /// The studied set every analysis compares with the rest: the noise mask, or the focus
    /// file's set when the config names one. bool [N] on the CPU and on the device.
    torch::Tensor focusMask, focusMaskDevice;
    torch::Tensor testImages, testLabels;  ///< on the device
    torch::Tensor trainIndices, testIndices;  ///< int64, indices into the dataset's splits (CPU)
    std::int64_t numClasses = 0;
    std::vector<double> mean, stddev;  ///< per-channel normalisation from the training subset

    std::int64_t trainSize() const { return trainGiven.size(0); }
    std::int64_t noisyCount() const { return noiseMask.sum().item<std::int64_t>(); }
    std::int64_t focusCount() const { return focusMask.sum().item<std::int64_t>(); }
    std::vector<std::int64_t> imageShape() const {
        return {trainImages.size(1), trainImages.size(2), trainImages.size(3)};
    }
};

/// Loads the dataset named by the config, takes its subsets, applies label noise and normalises
/// (per-channel mean/std of the training subset). Blocks (reads and decompresses files).
/// Throws Error naming the file on missing or malformed data. With `readFocusFile` the config's
/// focus file (if any) gives the focus set; without, the focus set is the noise mask until
/// useStoredFocus puts in the one a run file holds.
RunData prepareRunData(const RunConfig& config, torch::Device device, bool readFocusFile = true);

/// Replaces the focus set (bool [N] on the CPU) of `data`. Throws Error if the size differs.
void useStoredFocus(RunData& data, const torch::Tensor& mask);

/// For runs whose config says labels = "stored" (imported runs): replaces the given labels and
/// noise mask (CPU tensors [N], from the run file) in `data`. Throws Error if the sizes differ or
/// the mask is not exactly "given label != dataset label".
void useStoredLabels(RunData& data, const torch::Tensor& given, const torch::Tensor& mask);

} // namespace memloc::core
