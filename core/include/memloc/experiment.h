#pragma once
// Experiments: a folder holding a manifest (experiment.json) and the run files of a sweep, every
// combination of a few varied config settings over one base config, each run with its analyses.

#include "memloc/progress.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace memloc::core {

/// One varied setting: a config key (JSON name, e.g. "noise") and its values as written on the
/// command line ("0.05", "example-tied").
struct SweepAxis {
    std::string key;
    std::vector<std::string> values;
};

/// The state of one run of an experiment, as the manifest records it.
struct ExperimentRun {
    std::string name;                              ///< the varied settings: "noise=0.1,seed=0"
    std::map<std::string, std::string> settings;   ///< key -> value of each varied setting
    std::string path;                              ///< run file, relative to the experiment folder
    std::string state = "planned";                 ///< planned | training | analysing | done | failed
    std::int64_t epochsCompleted = 0;
    std::vector<std::string> analysesDone;         ///< analysis names as the sweep spells them
    std::string error;                             ///< why it failed (state "failed")
};

struct Experiment {
    std::string folder;
    std::string baseConfig;                 ///< the base run config as JSON (every key)
    std::vector<SweepAxis> axes;
    std::vector<std::string> analyses;      ///< rewind, retrain, flip, neurons, dropout-eval, in that order
    std::vector<ExperimentRun> runs;        ///< the product of the axes, first axis slowest
};

/// The analyses a sweep can run, in the order it runs them.
const std::vector<std::string>& sweepAnalysisNames();

/// Plans the sweep: every combination of the axes' values over `baseConfigJson`. Each run's config
/// must be valid (checked now, so a nonsense value fails before anything trains). Throws Error
/// naming the setting on an unknown key, an empty or repeated axis, or an unknown analysis.
Experiment planExperiment(const std::string& folder, const std::string& baseConfigJson,
                          const std::vector<SweepAxis>& axes, const std::vector<std::string>& analyses);

/// The JSON config of run `index` (the base with that run's settings).
std::string experimentRunConfig(const Experiment& experiment, std::size_t index);

/// FOLDER/experiment.json.
std::string manifestPath(const std::string& folder);
/// Reads a manifest; throws Error naming the file when it is missing, not JSON or not a memloc
/// experiment.
Experiment readExperiment(const std::string& folder);
/// The experiment of `planned.folder`: written from `planned` when the folder has no manifest yet,
/// else read back, which must be the same plan (same base config, runs and analyses; their states
/// come from the file). Under the manifest lock, so any process of a sweep may be the first.
/// Throws Error naming the manifest when the folder holds another experiment.
Experiment openOrCreateExperiment(const Experiment& planned);
/// Replaces run `run.name`'s entry in the manifest on disk, under a lock, so that several
/// processes of one sweep can record their runs' states in the same file.
void recordExperimentRun(const std::string& folder, const ExperimentRun& run);

/// Which runs process `rank` of `processes` does: index i when i % processes == rank.
std::vector<std::size_t> runsOfProcess(std::size_t runCount, int rank, int processes);

/// Options of the analyses a sweep runs on each run (the analysis commands' defaults otherwise).
struct SweepAnalysisOptions {
    std::int64_t evalSubset = 500;     ///< clean / noisy / test examples per evaluation (0 = all)
    std::int64_t retrainEpochs = 20;   ///< retraining: epochs per group, at most
    std::int64_t flipExamples = 50;    ///< flipping: noisy and clean examples each
};

/// What a sweep reports while it works: the run (its index and entry) and a line of text.
struct SweepEvent {
    std::size_t index = 0;
    const ExperimentRun* run = nullptr;
    std::string message;   ///< "training", "epoch 3/20", "rewind", "done", "skipped: done", ...
};

struct SweepCallbacks {
    std::function<void(const SweepEvent&)> event;
    ProgressFn progress;                    ///< within the current stage
    const CancelToken* cancel = nullptr;    ///< checked at least once per batch
};

/// Does this process's runs of `experiment` (runsOfProcess): trains each run (or resumes a run
/// file left by an interrupted sweep), then runs each analysis not yet stored in it, recording
/// every state change in the manifest. Runs whose file already holds every epoch and analysis are
/// skipped. A run that fails is recorded as failed and the sweep goes on. Throws Cancelled when
/// cancelled (every finished epoch and analysis is kept). Returns the number of failed runs.
int runSweep(const Experiment& experiment, int rank, int processes, const std::string& device, std::int64_t threads,
             const SweepAnalysisOptions& options, const SweepCallbacks& callbacks);

} // namespace memloc::core
