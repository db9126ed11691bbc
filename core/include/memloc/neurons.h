#pragma once
// Per-neuron memorization scores and live neuron dropping.

#include "memloc/analysis_options.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace memloc::core {

/// Scores per (layer group, channel); row g has as many values as group g has units.
using UnitGrid = std::vector<std::vector<double>>;

struct NeuronOptions {
    std::int64_t attributionExamples = 128;  ///< noisy and clean examples averaged for attribution
    std::int64_t evalSubset = 500;           ///< clean / noisy examples for the ablation accuracies
    AnalysisRunOptions run;
};

struct NeuronScores {
    std::vector<std::string> groups;
    std::vector<std::int64_t> units;
    bool hasFlipping = false;  ///< flip frequencies come from a stored flipping analysis
    UnitGrid flipNoisy;        ///< fraction of the noisy examples the flipping tried (flipped or not) whose
                               ///< path zeroed the unit
    UnitGrid flipClean;        ///< the same for clean examples
    UnitGrid attribution;      ///< mean w*grad(-loss) score over noisy examples minus over clean
    UnitGrid ablationNoisy;    ///< change of noisy (given-label) accuracy when the unit is dropped
    UnitGrid ablationClean;    ///< change of clean accuracy when the unit is dropped
    double baseClean = 0, baseNoisy = 0;
};

/// True for the final classifier group, whose units are the output classes (class logits): the
/// last of `groupCount` groups when it has exactly `numClasses` units (ResNet-9's and
/// ResNet-50's "fc", the MLP's "fc3", the ViT's "head"). Dropping one of its units removes a whole
/// class, so it tops every ablation and attribution ranking without saying anything about
/// memorization; rankings leave the group out unless asked to include it.
inline bool isClassifierGroup(std::size_t group, std::size_t groupCount, std::int64_t units, std::int64_t numClasses) {
    return groupCount > 0 && group + 1 == groupCount && numClasses > 0 && units == numClasses;
}

/// Computes the three per-unit scores of a run's final model and stores /analyses/neurons.
/// Attribution: for each channel, sum over the group's parameters of w * d(-loss)/dw aggregated
/// per output channel (eval mode), averaged over noisy examples (given labels) minus the same over
/// clean ones. Ablation: each unit's activation masked to zero in turn. Flip frequency: read from
/// the stored flipping analysis (zeros and hasFlipping=false if none). Blocks; cancel per unit.
NeuronScores runNeuronScores(const std::string& runPath, const NeuronOptions& options);

/// Reads the stored neuron scores; throws Error if there are none.
NeuronScores readNeuronScores(const std::string& runPath);

/// A unit: layer group (name or index) and channel.
struct UnitRef {
    std::string group;
    std::int64_t channel = 0;
};

/// Parses "G:C[,G:C...]" (G a group name like res1.a or an index); throws Error on junk.
std::vector<UnitRef> parseUnitList(const std::string& text);

/// Accuracies with some units dropped, and one example's prediction.
struct DropResult {
    double clean = 0, noisyGiven = 0, noisyTrue = 0, test = 0;
    std::int64_t example = -1;  ///< -1: no example asked for
    bool exampleNoisy = false;
    std::int64_t givenLabel = 0, trueLabel = 0, prediction = 0;
    std::vector<double> probabilities;  ///< softmax of the example's logits
};

/// Keeps a run's final model and evaluation sets loaded so that evaluating a changed set of
/// dropped units is fast (the engine behind the GUI's live dropping). Activations before the
/// first changed block are cached per block. Not thread-safe: use from one thread.
class DropSession {
public:
    /// Loads the run (blocks: reads the dataset). evalSubset: clean / noisy / test examples
    /// evaluated (0 = all).
    DropSession(const std::string& runPath, std::int64_t evalSubset, const std::string& device = "auto",
                std::int64_t threads = 0);
    ~DropSession();
    DropSession(const DropSession&) = delete;
    DropSession& operator=(const DropSession&) = delete;

    /// Accuracies with `units` dropped (their activations masked to zero); with example >= 0 also
    /// that training example's prediction and class probabilities. Throws Error for an unknown
    /// group, channel out of range or example out of range. Blocks.
    DropResult evaluate(const std::vector<UnitRef>& units, std::int64_t example = -1);

    std::vector<std::string> groups() const;
    std::vector<std::int64_t> units() const;
    std::int64_t trainSize() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

} // namespace memloc::core
