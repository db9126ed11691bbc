#pragma once
// Neuron flipping: the fewest units to zero so a training example's prediction changes.

#include "memloc/analysis_options.h"

#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

struct FlipOptions {
    std::int64_t noisy = 50;       ///< memorized noisy examples to flip
    std::int64_t clean = 50;       ///< correctly predicted clean examples to flip
    std::int64_t batch = 128;      ///< other training examples in the objective (B)
    std::int64_t eot = 1;          ///< input copies averaged (1 = none; the paper's robust option: 5)
    double eotNoise = 0.01;        ///< Gaussian noise norm relative to ||x|| for eot > 1
    std::string mode = "channel";  ///< channel: conv weights scored per output channel; weight: per element
    std::int64_t maxUnits = 50;    ///< give up after this many units (recorded as not flipped)
    std::int64_t evalSubset = 500; ///< clean / noisy / test examples for the accuracy after each edit
    std::int64_t seed = 0;         ///< choice of examples and of the other batch members
    AnalysisRunOptions run;
};

/// One zeroed unit: layer group index, output channel (-1 for a parameter not laid out along the
/// group's units, e.g. a ViT attention weight), parameter name, element (flat index in the
/// parameter, or the channel for whole-channel units), and the target's prediction after.
struct FlipUnit {
    std::int64_t group = 0;
    std::int64_t channel = 0;
    std::string parameter;
    std::int64_t element = 0;
    std::int64_t predictionAfter = 0;
};

struct FlipExample {
    std::int64_t id = 0;  ///< index into the run's training set
    bool noisy = false;
    std::int64_t givenLabel = 0, trueLabel = 0, originalPrediction = 0;
    bool flipped = false;          ///< false: not flipped within maxUnits (or no unit could help)
    std::vector<FlipUnit> units;   ///< in the order they were zeroed
    double accClean = 0, accNoisy = 0, accTest = 0;  ///< after the edit (noisy: vs given labels)
};

struct FlipResult {
    FlipOptions options;
    std::vector<std::string> groups;
    double baseClean = 0, baseNoisy = 0, baseTest = 0;  ///< unedited model on the same sets
    std::vector<FlipExample> examples;
};

/// Flips options.noisy memorized noisy examples and options.clean correctly predicted clean
/// examples (chosen at random with the seed) of a run's final model: repeatedly zero the unit
/// with the highest positive first-order score w * dObjective/dw, where Objective = mean loss of
/// `batch` other training examples - loss of the target (given labels, eval mode, optionally
/// averaged over `eot` noisy input copies), until the target's prediction changes. The model is
/// restored after each example. Stores /analyses/flipping (replacing a previous one). Blocks;
/// allocates one model and the evaluation sets. Throws Error on bad options, Cancelled on cancel.
FlipResult runFlipping(const std::string& runPath, const FlipOptions& options);

/// Reads the stored flipping result; throws Error if there is none.
FlipResult readFlipping(const std::string& runPath);

/// Median number of units needed over the examples of one kind; examples that did not flip
/// count as maxUnits + 1. NaN if there is no such example.
double medianUnits(const FlipResult& result, bool noisy);

} // namespace memloc::core
