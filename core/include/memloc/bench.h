#pragma once
// Side-by-side benchmarks: memloc's own implementations of the heavy work, timed on a run file
// that a Python reference (tests/python/bench_reference.py) times on the same data and weights.

#include "memloc/progress.h"

#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

/// Sizes of the side-by-side benchmark. The defaults finish in a few minutes on 2 cores.
struct SideBySideOptions {
    std::string dataset = "fashion-mnist";
    std::int64_t train = 2048;        ///< training examples (the first N)
    std::int64_t test = 512;          ///< test examples
    double width = 0.25;              ///< ResNet-9 width multiplier
    std::int64_t epochs = 4;          ///< epochs trained for the run (its history: epochs 0..E)
    std::int64_t batchSize = 128;     ///< training batch
    std::int64_t evalSubset = 500;    ///< clean / noisy / test examples evaluated by the analyses
    std::int64_t evalBatch = 1024;    ///< evaluation batch
    std::int64_t flipExamples = 4;    ///< examples flipped (half noisy when enough are memorized)
    std::int64_t repeats = 3;         ///< timed repeats after one warm-up; figures are medians
    std::int64_t threads = 2;         ///< intra-op threads (both sides)
};

/// A timed task: the median and every sample, in seconds.
struct TimedFigure {
    double median = 0;
    std::vector<double> samples;
};

/// What runSideBySide measured on memloc's side.
struct SideBySideTimings {
    TimedFigure epochPlain;       ///< one training epoch without accounting
    TimedFigure epochAccounting;  ///< one training epoch with gradient accounting
    TimedFigure rewindGrid;       ///< runRewinding end to end (load, every group x epoch, store)
    std::int64_t rewindCells = 0;
    std::vector<std::int64_t> rewindEpochs;
    TimedFigure flipPerExample;   ///< flipOneExample, per example
    std::vector<std::int64_t> flipIds, flipUnits;  ///< targets and units zeroed for each
    TimedFigure dropFirstGroup;   ///< DropSession::evaluate, unit in the first group (full pass)
    TimedFigure dropLastConv;     ///< unit in the last conv group (from cached activations)
    double trainFlopsPerEpoch = 0;  ///< ~3 x forward FLOPs of the convolutions and linear layers
    double convPeakGflops = 0;      ///< LibTorch conv2d in a tight loop (128x128x14x14, 3x3)
};

/// Trains the benchmark's run (ResNet-9 on the first `train` images, 10% noise, accounting) into
/// `runPath`, overwriting it. Blocks (seconds to a minute). Throws Error like trainRun.
void prepareBenchRun(const SideBySideOptions& options, const std::string& runPath, const ProgressFn& progress = {});

/// Times memloc's training epoch (plain and with accounting), rewinding grid, flipping and
/// neuron dropping on the run made by prepareBenchRun, plus the machine's convolution peak.
/// Stores the rewinding result in the run (as `memloc-cli rewind` would). Blocks for minutes.
SideBySideTimings runSideBySide(const SideBySideOptions& options, const std::string& runPath,
                                const ProgressFn& progress = {});

/// Writes a run file with `epochs` stored epochs of a ResNet-9 of `width` (trained for one
/// epoch on `train` examples, then that checkpoint stored again for every further epoch): a run
/// history of realistic size without the training time. Overwrites `runPath`. Blocks.
void writeHistoryRun(const std::string& runPath, double width, std::int64_t epochs, std::int64_t train,
                     std::int64_t threads);

} // namespace memloc::core
