#pragma once
// Training examples of a run: raw images with their labels, and how the final model sees each.

#include "memloc/progress.h"

#include <cstddef>
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
    bool focus = false;  ///< in the studied set (the mislabeled examples unless a focus file chose it)
};

/// Reads the images of training examples `ids` of a run, in the order given. Labels and the noise
/// flag come from the run file's /dataset; the pixels from the run's dataset files (re-read and
/// checked against the stored subset indices). Blocks: loads the training split (e.g. all of
/// Fashion-MNIST, ~50 MB as uint8) on the calling thread; thread-safe with respect to other
/// readers. Throws Error naming the file for a missing or changed dataset or an id out of range.
std::vector<ExampleImage> readExampleImages(const std::string& runPath, const std::vector<std::int64_t>& ids);

/// One training example as the run's final model sees it.
struct ExampleStat {
    std::int64_t id = 0;  ///< index into the run's training set
    std::int64_t given = 0, trueLabel = 0;
    bool noisy = false;           ///< the given label was replaced by label noise
    bool focus = false;           ///< in the studied set (the mislabeled examples unless a focus file chose it)
    std::int64_t prediction = 0;  ///< the final model's class (argmax of the logits)
    double loss = 0;              ///< cross-entropy of the logits against the given label
    double margin = 0;            ///< given-label logit minus the largest other logit (> 0: predicted as given)

    /// An example of the studied set the final model predicts as its given label (for mislabeled
    /// examples: the wrong label).
    bool memorized() const { return focus && prediction == given; }
};

/// Evaluates the final checkpoint (epoch = epochs completed) on every training example of a run:
/// eval mode, no gradients, in batches of the run's eval_batch_size. A model with example-tied
/// dropout sees each example with its own mask, as in training. Result i is example i. Blocks
/// (reads the dataset, then about one forward pass over the training set); device as
/// memloc-cli's --device ("auto", "cpu", "cuda:N"), threads 0 = every core. `progress` is told
/// the examples done after each batch; `cancel` is checked before each batch (throws Cancelled).
/// Throws Error for a run without a completed epoch or with missing or changed data files.
std::vector<ExampleStat> evaluateTrainingExamples(const std::string& runPath, const std::string& device = "auto",
                                                  std::int64_t threads = 0, const CancelToken* cancel = nullptr,
                                                  const ProgressFn& progress = {});

/// Every training example of a run for browsing: the raw pixels of all images in one block and
/// each example's statistics under the final model (evaluateTrainingExamples, from the same read
/// of the dataset).
struct TrainingExamples {
    int channels = 0, height = 0, width = 0;
    std::int64_t numClasses = 0;
    std::vector<std::uint8_t> pixels;  ///< example after example, each channels x height x width (CHW)
    std::vector<ExampleStat> stats;    ///< stats[i].id == i

    std::size_t imageBytes() const {
        return static_cast<std::size_t>(channels) * static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
    }
    /// The pixels of example `id` (imageBytes() of them); id must be in [0, stats.size()).
    const std::uint8_t* image(std::int64_t id) const { return pixels.data() + static_cast<std::size_t>(id) * imageBytes(); }
};

/// Reads and evaluates the whole training set of a run (see evaluateTrainingExamples). Blocks;
/// throws Error as evaluateTrainingExamples does.
TrainingExamples loadTrainingExamples(const std::string& runPath, const std::string& device = "auto",
                                      std::int64_t threads = 0, const CancelToken* cancel = nullptr,
                                      const ProgressFn& progress = {});

} // namespace memloc::core
