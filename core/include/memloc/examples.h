#pragma once
// Training examples of a run as raw images with their labels, for display.

#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

/// One training example of a run: its raw pixels (uint8, not normalised) and labels.
struct ExampleImage {
    std::int64_t id = 0;  ///< index into the run's training set
    int channels = 0, height = 0, width = 0;
    std::vector<std::uint8_t> pixels;  ///< channels x height x width, row-major (CHW)
    std::int64_t given = 0, trueLabel = 0;
    bool noisy = false;  ///< the given label was replaced by label noise
};

/// Reads the images of training examples `ids` of a run, in the order given. Labels and the noise
/// flag come from the run file's /dataset; the pixels from the run's dataset files (re-read and
/// checked against the stored subset indices). Blocks: loads the training split (e.g. all of
/// Fashion-MNIST, ~50 MB as uint8) on the calling thread; thread-safe with respect to other
/// readers. Throws Error naming the file for a missing or changed dataset or an id out of range.
std::vector<ExampleImage> readExampleImages(const std::string& runPath, const std::vector<std::int64_t>& ids);

} // namespace memloc::core
