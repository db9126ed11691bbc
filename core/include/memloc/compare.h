#pragma once
// Comparing runs: runs that differ only in their seeds form one condition, and every figure of a
// condition is the mean over its runs with a band (min-max, and the sample standard deviation).

#include "memloc/run_config.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace memloc::core {

/// A value over the runs of a condition: mean, minimum, maximum and sample standard deviation
/// (n - 1 in the denominator; 0 for one run). n = 0: no run had the value (the rest is NaN).
struct Band {
    double mean = 0, min = 0, max = 0, sd = 0;
    int n = 0;
};

/// The band of `values` (NaN values are left out).
Band bandOf(const std::vector<double>& values);
/// Column by column, the band of values[row][k] for k < width (a row too short counts as NaN).
std::vector<Band> bandsOf(const std::vector<std::vector<double>>& values, std::size_t width);

/// One condition: the runs sharing every varied setting but the seeds.
struct Condition {
    std::string name;                              ///< "noise=0.1,dropout=example-tied"; "all runs" when nothing varies
    std::string label;                             ///< the same for people: "noise 0.1, dropout example-tied"
    std::map<std::string, std::string> settings;   ///< the varied settings that define it
    std::vector<std::string> runs;                 ///< run file paths
    std::vector<std::vector<std::string>> runAnalyses;  ///< per run, the analyses its file stores
    /// What its runs call the studied set and the rest ("memorized" figures are about that set);
    /// the runs of a condition share them (they follow from focus and focus_name).
    FocusNames focus;
    /// Which parts (ComparePart bits) have been read into this condition.
    unsigned loaded = 0;
    /// Per epoch 0..E (E = the fewest epochs any of its runs completed).
    std::vector<Band> memorized, clean, test;
    /// Layer rewinding (runs that have it, same groups): memorized-example accuracy lost by
    /// rewinding each group alone to `rewindEpoch`, the stored rewind epoch nearest the middle of
    /// training (-1: no rewinding stored).
    std::int64_t rewindEpoch = -1;
    std::vector<std::string> rewindGroups;
    std::vector<Band> rewindDrop;
    /// The whole rewinding grid: memorized-example accuracy with group g rewound to
    /// rewindEpochs[e], rewindGrid[g][e], over the runs storing the same groups and epochs;
    /// rewindFinal is the unmodified final model on the same examples.
    std::vector<std::int64_t> rewindEpochs;
    std::vector<std::vector<Band>> rewindGrid;
    Band rewindFinal;
    /// Retraining: memorized-example accuracy after each group's retraining.
    std::vector<std::string> retrainGroups;
    std::vector<Band> retrainMemorized;
    std::vector<Band> retrainRewound;  ///< the same just after rewinding, before any retraining
    /// Flipping: per run the median units to flip a memorized / a clean example.
    Band unitsNoisy, unitsClean;
    /// Every flipped example's unit count, pooled over the runs (not flipped within the run's
    /// limit: limit + 1, as the median counts it); flipMaxUnits is the largest limit.
    std::vector<double> unitsNoisyAll, unitsCleanAll;
    std::int64_t flipMaxUnits = 0;
    /// Example-tied dropout evaluation: memorized and test accuracy per mode (standard, test, drop).
    std::vector<std::string> dropoutModes;
    std::vector<Band> dropoutMemorized, dropoutClean, dropoutTest;
};

/// The parts of a comparison, read separately so that a figure reads only what it shows.
enum ComparePart : unsigned {
    CompareCurves = 1u,      ///< per-epoch accuracies (the run summaries)
    CompareRewinding = 2u,
    CompareRetraining = 4u,
    CompareFlipping = 8u,
    CompareDropout = 16u,
    CompareAll = 31u,
};

struct Comparison {
    std::vector<std::string> varied;      ///< the settings that tell conditions apart
    std::vector<std::string> seedKeys;    ///< the settings averaged over (seed, noise_seed, ...)
    std::vector<Condition> conditions;    ///< in the order their first run appears
    /// Runs of experiment folders left out because the manifest says they are not done yet:
    /// "FOLDER/runs/x.h5 (training)".
    std::vector<std::string> leftOut;
};

/// Compares run files, given directly and/or as experiment folders (every run the manifest
/// records as done; the others, still training or analysing, interrupted or failed, are listed
/// in leftOut). Settings that differ between the runs define the conditions, except the
/// seeds (seed, noise_seed, subset_seed), which are averaged over. Reads the run summaries and
/// the stored analyses named in `parts`, never a checkpoint. Throws Error naming the file when a
/// run or a manifest cannot be read.
Comparison compareRuns(const std::vector<std::string>& runsOrExperiments, unsigned parts = CompareAll);

/// The names of the studied set over every condition: theirs when they all agree, else
/// {"studied set", "rest", false}.
FocusNames commonFocusNames(const Comparison& comparison);

/// Reads the parts of `parts` that `comparison` has not read yet (see Condition::loaded).
/// Throws Error naming the file when a stored analysis cannot be read.
void loadCompareParts(Comparison& comparison, unsigned parts);

} // namespace memloc::core
