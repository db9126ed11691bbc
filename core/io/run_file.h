#pragma once
// Reading and writing run files (HDF5; layout in docs/guide/run-file.html). Internal: torch.

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

/// The format new run files get; readers take versions 1 to 3. Version 2 lays out every planned
/// epoch when the file is made (see appendEpoch); version 3 keeps that layout and names every part
/// by one rule: attributes hold single values, every list is a dataset (string lists are named
/// *_names), and no attribute shares its name with a dataset or group beside it. Readers take the
/// names of versions 1 and 2 too, in any file: an analysis added to an older file is written with
/// the version 3 names while the file keeps its format_version (docs/guide/run-file.html).
constexpr std::int64_t kRunFormatVersion = 3;
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
    /// Lay out the room of every planned epoch (config.epochs) when the file is made, so that
    /// saving an epoch costs the same at any point of the run. Not done for imported runs and runs
    /// without an initial checkpoint, whatever this says; false gives the layout of format 1.
    bool preallocate = true;
};

/// Creates a run file holding the config, the dataset identity, the model description and
/// epoch 0 (initial checkpoint + metrics). Written to "<path>.partial" and renamed, so a crash
/// never leaves a half-made file at `path`. With header.preallocate, the file holds the room of
/// every planned epoch from the start: its checkpoint datasets, metrics and accounting rows (NaN
/// until saved) and both optimizer slots; the disk space is checked and reserved first. Throws
/// Error if `path` exists and !overwrite, or cannot be written (e.g. the disk cannot hold the
/// whole run: nothing is left at `path` then). Blocks.
void createRunFile(const std::string& path, const RunFileHeader& header, const RunData& data,
                   Net& model, const EpochMetrics& epoch0, bool overwrite);

/// How appendEpoch writes. CopyAndRename (the default) is crash-safe: a file laid out ahead takes
/// the epoch in place, into its room (see appendEpoch); any other file is saved into a copy
/// ("<path>.saving") that is synced and renamed over it, so a kill or a failed write (disk full)
/// at any moment leaves the previous file intact, at the cost of one copy of the file. InPlace
/// edits the file itself with HDF5 (for files under a temporary name, e.g. an import in progress,
/// that are discarded on failure anyway).
enum class SaveMode { CopyAndRename, InPlace };

/// Appends one completed epoch: its checkpoint, metrics row, accounting row (if given) and the
/// optimizer state after it, and marks it complete (root attribute epochs_completed). The file is
/// open only while this runs. In a file laid out ahead, the epoch following the last complete one
/// is written into its room with plain writes, epochs_completed last, once the rest is on the
/// disk: no HDF5 metadata changes, the cost does not grow with the file, a kill leaves the epochs
/// saved before intact, and readers (which ignore data beyond epochs_completed) may read the file
/// meanwhile. Other epochs and files are saved as `mode` says. Throws Error naming the file and
/// the epoch when the save fails (with CopyAndRename the file then still holds every epoch saved
/// before). Blocks until the epoch is on the disk.
void appendEpoch(const std::string& path, Net& model, const EpochMetrics& metrics,
                 const EpochAccounting* accounting, const std::vector<torch::Tensor>& momentum,
                 std::int64_t step, SaveMode mode = SaveMode::CopyAndRename);

/// Writes one row of per-epoch metrics without a checkpoint (imported runs: NaN rows for the
/// epochs between stored checkpoints). Does not change epochs_completed.
void writeEpochMetrics(const std::string& path, const EpochMetrics& metrics);

/// Removes data of any epoch beyond epochs_completed left in a format 1 file by memloc versions
/// that saved in place; a crash-safe save. Does nothing (and writes nothing) when there is none,
/// and for files laid out ahead (format 2 and later), whose room beyond epochs_completed is kept
/// for the coming epochs.
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
    /// Momentum buffers stored after `epoch`, in the order of model.parameters() (undefined for
    /// parameters without one); empty if none are stored for that epoch.
    std::vector<torch::Tensor> loadMomentum(std::int64_t epoch, Net& model, std::int64_t* step) const;
    /// Dataset identity: a tensor stored under /dataset (train_indices, given_labels, ...).
    torch::Tensor datasetTensor(const std::string& name) const;

private:
    H5::H5File open() const;
    std::string m_path;
};

/// Puts the focus set stored in a run whose config names a focus file (/dataset/focus_mask) into
/// `data`, prepared with prepareRunData(config, device, false); the focus file itself is not read
/// again. Does nothing for runs without one. Throws Error naming the file if it is missing.
void useRunFocus(RunData& data, const RunFileReader& reader, const RunConfig& config);

/// Rethrows an HDF5 exception as Error naming the file and what was being done.
[[noreturn]] void rethrowH5(const std::string& path, const std::string& doing, const H5::Exception& e);

} // namespace memloc::core
