#pragma once
// What a run file holds, read cheaply (no checkpoint tensors are loaded).

#include "memloc/training.h"

#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

/// A layer group and its number of units (output channels).
struct GroupInfo {
    std::string name;
    std::int64_t units = 0;
};

/// Summary of a run file, as `memloc-cli inspect` prints it.
struct RunSummary {
    std::string path;
    int formatVersion = 0;
    std::string memlocVersion, torchVersion, created;
    std::string importedFrom, sourceFormat;  ///< set for runs imported from other checkpoints
    RunConfig config;
    std::string configJson;
    std::int64_t trainSize = 0, testSize = 0, noisyCount = 0, numClasses = 0;
    /// The studied set (what "noisy" metrics and analyses are about): its names and size. Without
    /// a focus file it is the mislabeled examples and focusCount == noisyCount.
    FocusNames focus;
    std::int64_t focusCount = 0;
    std::vector<std::int64_t> imageShape;  ///< {C, H, W}
    std::int64_t epochsCompleted = 0;      ///< training epochs stored (epoch 0 excluded)
    std::int64_t epochsPlanned = 0;
    std::vector<std::int64_t> checkpointEpochs;  ///< includes 0
    std::vector<EpochMetrics> metrics;           ///< index 0 = epoch 0 (initialisation)
    std::vector<GroupInfo> groups;
    bool hasAccounting = false;
    std::vector<std::string> analyses;
};

/// Reads a run file's summary. Throws Error naming the file if it is missing, not HDF5, not a
/// memloc run, or of a newer format version. Blocks on file I/O only (small reads).
RunSummary readRunSummary(const std::string& path);

/// JSON form of a summary (keys documented in the README: "epochs", "final", "groups", ...).
std::string summaryToJson(const RunSummary& summary);

/// Per-group gradient accounting arrays of a run, [epoch][group]; epochs 1..epochsCompleted.
struct AccountingSeries {
    std::vector<std::string> groups;
    std::vector<std::vector<double>> cleanNorm, noisyNorm, totalNorm, cosine;
};

/// Reads the gradient accounting arrays; throws Error if the run has none.
AccountingSeries readAccounting(const std::string& path);

} // namespace memloc::core
