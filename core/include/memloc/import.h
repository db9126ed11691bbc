#pragma once
// Importing checkpoints made elsewhere (PyTorch, safetensors, TorchScript, epoch folders) as
// memloc runs, and exporting stored checkpoints back. No torch in this header.

#include "memloc/progress.h"
#include "memloc/run_config.h"

#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

/// What to import and how it was trained. See README "Importing checkpoints".
struct ImportOptions {
    std::string source;  ///< a checkpoint file or a folder of per-epoch checkpoint files
    std::string out;     ///< run file to write
    bool overwrite = false;
    /// Dataset binding: dataset, data_dir, subset*, test_subset, normalize, noise, noise_seed are
    /// used as given; model and width are inferred from the tensors unless `model` is set.
    RunConfig config;
    std::string model;        ///< force an architecture (resnet9, mlp, resnet50, vit, torchscript)
    std::string givenLabels;  ///< file of the labels trained on (FILE or FILE:DATASET), optional
    std::string noiseMask;    ///< file of 0/1 noise flags (FILE or FILE:DATASET), optional
    std::string groups;       ///< TorchScript layer groups "name=module.path,..." (empty: top-level children)
    std::int64_t epoch = -1;  ///< epoch number of a single checkpoint file (-1: its "epoch" entry, else 1)
    std::string device = "auto";
    std::int64_t threads = 0;
    ProgressFn progress;
    const CancelToken* cancel = nullptr;
};

/// One imported checkpoint and how well the model does with it.
struct ImportedEpoch {
    std::int64_t epoch = 0;
    std::string file;
    double cleanAcc = 0, memorized = 0, noisyTrueAcc = 0, testAcc = 0;
};

/// What an import found and wrote.
struct ImportResult {
    std::string out;
    std::string format;        ///< state_dict | checkpoint_dict | safetensors | torchscript
    std::string architecture;  ///< resnet9 | mlp | resnet50 | vit | torchscript
    double width = 1.0;
    std::string labels;        ///< how the noisy examples are known, in words
    std::int64_t noisyCount = 0, trainSize = 0;
    std::vector<std::string> groups;
    std::vector<ImportedEpoch> epochs;
    std::vector<std::string> notes;  ///< things the user should know (stripped prefixes, ignored keys, ...)
};

/// Reads the checkpoint(s), matches them to an architecture, binds the data, evaluates every
/// checkpoint and writes a run (to a temporary name, renamed at the end: an existing file is
/// only replaced when everything succeeded). Never executes code from the files. Throws Error
/// naming the file and the problem, Cancelled if cancelled. Blocks.
ImportResult importCheckpoints(const ImportOptions& options);

/// Writes checkpoint `epoch` of a run (-1: the final one) to `out`: a .pt file that Python's
/// torch.load reads as a plain dict of tensors, or a .safetensors file (chosen by extension).
/// Names are the model's own (for built-in models the published Python names). Throws Error.
void exportCheckpoint(const std::string& runPath, std::int64_t epoch, const std::string& out);

} // namespace memloc::core
