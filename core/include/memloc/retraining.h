#pragma once
// Retraining: rewind one layer group, train only it on clean examples only,
// and watch whether memorization of the noisy examples comes back.

#include "memloc/analysis_options.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace memloc::core {

/// What runRetraining computes. Defaults follow the paper (SGD lr 0.01, momentum 0.9, weight
/// decay 5e-4, up to 20 epochs, stop after 3 epochs at 100% clean training accuracy).
struct RetrainOptions {
    /// Layer groups by name ("res1.a") or index ("4", "g4"); empty = every group, in model order.
    /// Each group is retrained separately, starting from the final model.
    std::vector<std::string> groups;
    /// Checkpoint epoch the group is rewound to before retraining; 0 = initialisation. The final
    /// epoch is accepted too (no rewind: a clean-only fine-tuning control).
    std::int64_t fromEpoch = 0;
    std::int64_t maxEpochs = 20;  ///< training epochs per group, at most
    /// Stop after this many consecutive epochs at 100% accuracy on all clean training examples.
    std::int64_t stopAfter = 3;
    double lr = 0.01;            ///< constant learning rate
    double momentum = 0.9;       ///< SGD momentum (no Nesterov, as torch.optim.SGD's default)
    double weightDecay = 5e-4;
    std::int64_t batchSize = 0;      ///< training batch size; 0 = the run's batch_size
    std::int64_t evalBatchSize = 0;  ///< 0 = the run's eval_batch_size
    std::int64_t evalSubset = 0;     ///< evaluate on the first N clean / noisy / test examples; 0 = all
    std::int64_t seed = 0;           ///< shuffling of the clean examples
    /// Called with the ids (indices into the run's training set) of every training batch, on the
    /// calling thread, before the batch is used. Lets a caller check that no noisy example is
    /// ever trained on.
    std::function<void(const std::vector<std::int64_t>& trainIds)> batchObserver;
    AnalysisRunOptions run;
};

/// The state of a group's retraining after one epoch. Accuracies are fractions in [0, 1] (NaN
/// for an empty set), measured in eval mode.
struct RetrainEpoch {
    std::int64_t epoch = 0;  ///< 0 = just after rewinding, before any training
    double trainLoss = std::numeric_limits<double>::quiet_NaN();  ///< mean cross-entropy of the epoch's batches
    double trainClean = std::numeric_limits<double>::quiet_NaN(); ///< all clean training examples (the stop rule)
    double clean = std::numeric_limits<double>::quiet_NaN();      ///< evaluation sets from here on
    double noisyGiven = std::numeric_limits<double>::quiet_NaN(); ///< memorization recovered
    double noisyTrue = std::numeric_limits<double>::quiet_NaN();
    double test = std::numeric_limits<double>::quiet_NaN();
};

/// One group's retraining: series[0] is right after rewinding, series[k] after training epoch k.
struct RetrainGroupResult {
    std::string group;
    std::int64_t epochsTrained = 0;
    bool stopRuleMet = false;  ///< training ended because of the stop rule (stopAfter epochs at 100%)
    std::vector<RetrainEpoch> series;
};

/// What runRetraining returns and stores.
struct RetrainResult {
    std::string runPath;
    std::int64_t finalEpoch = 0;
    std::int64_t fromEpoch = 0, maxEpochs = 0, stopAfter = 0, batchSize = 0, evalSubset = 0, seed = 0;
    double lr = 0, momentum = 0, weightDecay = 0;
    std::int64_t cleanTrainCount = 0;  ///< clean training examples trained on
    std::int64_t cleanCount = 0, noisyCount = 0, testCount = 0;  ///< evaluation set sizes
    /// The unmodified final model on the evaluation sets (epoch = final epoch, trainLoss NaN).
    RetrainEpoch finalModel;
    std::vector<RetrainGroupResult> groups;
};

/// Retrains each chosen group of a run and stores the result as
/// /analyses/retraining (replacing any previous one atomically), then returns it. For each
/// group: start from the final model, rewind the group's parameters to `fromEpoch`, freeze every
/// other parameter, keep every module outside the group in eval mode (so no BatchNorm buffer
/// outside the group changes; the group's own BatchNorm trains), and train the group with SGD on
/// the clean training examples only (given labels), seeded shuffling, evaluating after every
/// epoch. Blocks: re-reads the dataset, then trains; memory = the dataset, the model, the
/// evaluation sets and one batch's activations. Progress per batch, cancellation per batch
/// (throws Cancelled; nothing is stored). Throws Error naming the run file for an unknown
/// group, an unstored `fromEpoch`, non-positive sizes or rates, a changed dataset, a run without
/// clean examples, or an I/O failure.
RetrainResult runRetraining(const std::string& runPath, const RetrainOptions& options);

/// Reads the retraining result stored in a run file. Throws Error naming the file if there is
/// none or it cannot be read. Blocks on small reads only.
RetrainResult readRetraining(const std::string& runPath);

} // namespace memloc::core
