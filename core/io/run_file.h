#pragma once
// Reading and writing run files (HDF5; layout in README "The run file"). Internal: torch.

#include "memloc/run_config.h"
#include "memloc/training.h"
#include "models/model.h"
#include "training/run_data.h"

#include <H5Cpp.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace memloc::core {

constexpr std::int64_t kRunFormatVersion = 1;
constexpr const char* kRunFormatName = "memloc-run";

/// Everything a new run file starts with. Epoch 0's checkpoint and metrics are written with it.
struct RunFileHeader {
    RunConfig config;
    ModelSpec modelSpec;
    std::vector<LayerGroup> groups;
    std::string deviceDescription;
    std::int64_t stepsPerEpoch = 0;
    /// Whether `model` holds epoch 0 (the initialisation). Imported runs may lack it: then no
    /// checkpoint 0 is written and epoch 0's metrics are NaN.
    bool initialCheckpoint = true;
    std::string importedFrom;  ///< imported runs: the source file or folder
    std::string sourceFormat;  ///< imported runs: "state_dict", "safetensors", "torchscript", ...
};

/// Creates a run file holding the config, the dataset identity, the model description and
/// epoch 0 (initial checkpoint + metrics). Written to "<path>.partial" and renamed, so a crash
/// never leaves a half-made file at `path`. Throws Error if `path` exists and !overwrite, or
/// cannot be written.
void createRunFile(const std::string& path, const RunFileHeader& header, const RunData& data,
                   Net& model, const EpochMetrics& epoch0, bool overwrite);

/// How appendEpoch writes. CopyAndRename (the default) is crash-safe: the epoch is written into a
/// copy ("<path>.saving") that is synced and renamed over the file, so a kill or a failed write
/// (disk full) at any moment leaves the previous file intact; it costs one copy of the file per
/// epoch. InPlace edits the file itself (for files under a temporary name, e.g. an import in
/// progress, that are discarded on failure anyway).
enum class SaveMode { CopyAndRename, InPlace };

/// Appends one completed epoch: its checkpoint, metrics row, accounting row (if given) and the
/// optimizer state after it, and marks it complete (root attribute epochs_completed). The file is
/// open only while this runs. Throws Error naming the file and the epoch when the save fails
/// (with CopyAndRename the file then still holds every epoch saved before).
void appendEpoch(const std::string& path, Net& model, const EpochMetrics& metrics,
                 const EpochAccounting* accounting, const std::vector<torch::Tensor>& momentum,
                 std::int64_t step, SaveMode mode = SaveMode::CopyAndRename);

/// Writes one row of per-epoch metrics without a checkpoint (imported runs: NaN rows for the
/// epochs between stored checkpoints). Does not change epochs_completed.
void writeEpochMetrics(const std::string& path, const EpochMetrics& metrics);

/// Removes data of any epoch beyond epochs_completed (left by a crash during an in-place save, or
/// by memloc versions that saved in place); a crash-safe save. Does nothing (and writes nothing)
/// when there is none.
void discardIncompleteEpochs(const std::string& path);

/// Read access to a run file; each call opens the file briefly (read-only).
class RunFileReader {
public:
    /// Validates that `path` exists and is a memloc run of a supported format version.
    explicit RunFileReader(std::string path);

    const std::string& path() const { return m_path; }
    RunConfig config() const;
    std::int64_t epochsCompleted() const;
    ModelSpec modelSpec() const;
    /// Loads the parameters and buffers of `epoch` into `model` (names and shapes must match).
    void loadCheckpoint(std::int64_t epoch, Net& model) const;
    /// Reads only the named tensors of checkpoint `epoch` (CPU tensors, by name); throws Error if
    /// the epoch or a name is not stored. Cheaper than loadCheckpoint for one layer group.
    std::map<std::string, torch::Tensor> readCheckpointTensors(std::int64_t epoch,
                                                               const std::vector<std::string>& names) const;
    /// Momentum buffers stored after `epoch`, in the order of model.parameters(); empty if none.
    std::vector<torch::Tensor> loadMomentum(std::int64_t epoch, Net& model, std::int64_t* step) const;
    /// Dataset identity: a tensor stored under /dataset (train_indices, given_labels, ...).
    torch::Tensor datasetTensor(const std::string& name) const;

private:
    H5::H5File open() const;
    std::string m_path;
};

/// Rethrows an HDF5 exception as Error naming the file and what was being done.
[[noreturn]] void rethrowH5(const std::string& path, const std::string& doing, const H5::Exception& e);

} // namespace memloc::core
