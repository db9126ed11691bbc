#pragma once
// Saving benchmark: the time appendEpoch takes per epoch, for a run file laid out ahead (format 2,
// in-place saves) and for the copy-and-rename saves of format 1, on the same model.

#include "memloc/progress.h"

#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

/// Sizes of the saving benchmark.
struct SavingBenchOptions {
    double width = 1.0;            ///< ResNet-9 width multiplier
    std::int64_t epochs = 50;      ///< epochs saved after epoch 0
    std::vector<int> formats{2, 1};  ///< run file formats timed, in this order
    std::string folder;            ///< where the run files are written (and removed); empty: the temp folder
    bool accounting = true;        ///< also save gradient accounting rows, as training with it does
};

/// One format's figures.
struct SavingBenchSeries {
    int format = 0;
    double createSeconds = 0;            ///< createRunFile (epoch 0 included)
    std::vector<double> saveSeconds;     ///< appendEpoch of epochs 1..epochs, in order
    std::uint64_t fileBytes = 0;         ///< size of the run file at the end
    std::uint64_t checkpointBytes = 0;   ///< one checkpoint's tensors
};

/// Creates a run of a randomly initialised ResNet-9 (synthetic data, no training) and saves
/// `epochs` epochs into it with appendEpoch (weights and momentum changed between saves), for
/// each format; removes the files afterwards. Blocks (seconds to minutes: format 1 copies the
/// whole file per epoch). Throws Error when a file cannot be written.
std::vector<SavingBenchSeries> runSavingBenchmark(const SavingBenchOptions& options, const ProgressFn& progress = {});

} // namespace memloc::core
