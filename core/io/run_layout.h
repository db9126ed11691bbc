#pragma once
// Run files laid out ahead (format version 2 and later): the room for every planned epoch is made
// when the file is created, so that saving an epoch overwrites bytes in place and writes no HDF5
// metadata (internal: torch, HDF5).

#include "memloc/training.h"
#include "models/model.h"

#include <H5Cpp.h>

#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

/// The per-epoch series under /metrics, in row order of metricRow.
inline constexpr const char* kMetricNames[] = {"epoch", "train_loss", "train_clean_acc", "train_noisy_given_acc",
                                               "train_noisy_true_acc", "test_acc", "lr", "seconds"};
/// The per-epoch, per-group series under /accounting.
inline constexpr const char* kAccountingNames[] = {"clean_norm", "noisy_norm", "total_norm", "cosine"};
/// What every failed save of a training epoch leaves.
inline constexpr const char* kEpochsKept = "; the file keeps the epochs saved before";

/// "epoch_0007": the name of an epoch's checkpoint group.
std::string checkpointName(std::int64_t epoch);
/// The values of one /metrics row, in the order of kMetricNames.
std::vector<double> metricRow(const EpochMetrics& m);

/// An upper estimate of the bytes of a run file laid out for epochs 0..`epochs` of `model`
/// (checkpoints, two momentum slots when `momentum`, /metrics, /accounting with
/// `accountingGroups` columns, and HDF5's own structures), plus `otherBytes` (the header).
std::uint64_t layoutBytes(Net& model, std::int64_t epochs, bool momentum, std::size_t accountingGroups,
                          std::uint64_t otherBytes);

/// Makes in `file` (new; its groups /checkpoints and /optimizer exist) the room of every epoch
/// 0..`epochs`: a group per checkpoint with a dataset per parameter and buffer, and the momentum
/// slots slot_0 and slot_1 with their attributes epoch (-1: none yet), step and stored (one flag
/// per parameter) and, when `momentum`, a dataset per parameter. Datasets are allocated now and
/// never filled, so they cost no writes until an epoch fills them. Throws H5::Exception.
void layOutEpochs(H5::H5File& file, Net& model, std::int64_t epochs, bool momentum);

/// Saves a completed epoch into the room laid out for it: its checkpoint, metrics row, accounting
/// row (if given and the run has accounting), the momentum slot of its parity and that slot's
/// attributes; once those are on the disk, epochs_completed. Plain writes at offsets read from the
/// file's layout: no HDF5 metadata is written, no lock is taken, and a kill at any moment leaves
/// the epochs saved before untouched. Returns false, having written nothing, where there is no such
/// room (format 1 files, imported runs, an epoch beyond those planned or not following the last
/// complete one, a layout it does not recognise); the caller then saves another way. Throws Error
/// naming the file and the epoch when writing fails. Blocks until the epoch is on the disk.
bool saveEpochInPlace(const std::string& path, Net& model, const EpochMetrics& metrics,
                      const EpochAccounting* accounting, const std::vector<torch::Tensor>& momentum,
                      std::int64_t step);

} // namespace memloc::core
