#pragma once
// A run file opened for analysis: its config, data (re-read and verified) and a model (internal).

#include "config/int_list.h"
#include "io/run_file.h"
#include "models/model.h"
#include "training/device.h"
#include "training/run_data.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace memloc::core {

/// A run ready for analysis. The dataset is re-read from its files and checked against the
/// subset indices and given labels stored in the run, so an analysis never silently runs on
/// different data.
struct LoadedRun {
    std::string path;
    RunConfig config;
    ComputeDevice device;
    RunData data;
    std::int64_t finalEpoch = 0;
    std::vector<LayerGroup> groups;
    std::shared_ptr<Net> model;  ///< holds the final epoch's weights, eval mode, on the device

    /// Index of a group by name, or of "gN"/"N" (0-based index); throws Error listing the groups.
    std::size_t groupIndex(const std::string& nameOrIndex) const;
    /// Reloads the final checkpoint into `model` (after an analysis edited it).
    void restoreFinal();
};

/// Opens a run for analysis. Throws Error if it has no completed epoch, its data files are
/// missing or changed, or the device is unavailable. Blocks (reads the dataset).
LoadedRun loadRun(const std::string& path, const std::string& device, std::int64_t threads);

/// Builds a fresh model of the run's architecture on the device (not loaded).
std::shared_ptr<Net> buildRunModel(const LoadedRun& run);

/// Loads checkpoint `epoch` of the run into `model` (moved to the run's device).
void loadEpoch(const LoadedRun& run, std::int64_t epoch, Net& model);


} // namespace memloc::core
