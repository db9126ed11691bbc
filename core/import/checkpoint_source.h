#pragma once
// Checkpoint files made elsewhere: finding them (file or epoch folder) and reading one into
// named tensors (internal: torch).

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace memloc::core {

using TensorList = std::vector<std::pair<std::string, torch::Tensor>>;

/// One checkpoint file of a source and the epoch it holds.
struct CheckpointFile {
    std::int64_t epoch = -1;  ///< -1: not known from the name (single file)
    std::string path;
};

/// The checkpoint files of `source`: the file itself, or the checkpoint files of a folder
/// (.pt .pth .ckpt .bin .tar .safetensors), each with the epoch number its name ends in
/// (epoch_10.pt, ckpt-3.safetensors, model_ep7.pth), sorted by epoch. Throws Error for a
/// missing source, an empty folder, a file whose epoch cannot be told or two files of one epoch.
std::vector<CheckpointFile> listCheckpointFiles(const std::string& source);

/// One checkpoint file read: the model's tensors by name and what the file said about itself.
struct CheckpointContents {
    std::string format;       ///< state_dict | checkpoint_dict | safetensors | torchscript
    TensorList tensors;       ///< parameters and buffers, "module." / "_orig_mod." prefixes removed
    std::int64_t epoch = -1;  ///< an "epoch" entry of the file, if any
    std::string torchscript;  ///< the file's bytes when it is TorchScript
    std::vector<std::string> notes;
};

/// Reads a checkpoint file (format told by content, not by name). Throws Error naming the file.
CheckpointContents readCheckpointFile(const std::string& path);

} // namespace memloc::core
