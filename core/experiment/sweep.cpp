// Running a sweep: each run of this process trained (or resumed) and analysed, with every state
// change recorded in the experiment's manifest.

#include "memloc/dropout_eval.h"
#include "memloc/error.h"
#include "memloc/experiment.h"
#include "memloc/flipping.h"
#include "memloc/neurons.h"
#include "memloc/retraining.h"
#include "memloc/rewinding.h"
#include "memloc/run_config.h"
#include "memloc/run_summary.h"
#include "memloc/training.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

namespace fs = std::filesystem;

/// The name a run file's /analyses uses for a sweep analysis.
std::string storedName(const std::string& analysis) {
    if (analysis == "rewind") return "rewinding";
    if (analysis == "retrain") return "retraining";
    if (analysis == "flip") return "flipping";
    if (analysis == "dropout-eval") return "dropout_eval";
    return analysis;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

void runAnalysis(const std::string& analysis, const std::string& path, const SweepAnalysisOptions& o,
                 const AnalysisRunOptions& run) {
    if (analysis == "rewind") {
        RewindOptions r;
        r.evalSubset = o.evalSubset;
        r.run = run;
        runRewinding(path, r);
    } else if (analysis == "retrain") {
        RetrainOptions r;
        r.maxEpochs = o.retrainEpochs;
        r.evalSubset = o.evalSubset;
        r.run = run;
        runRetraining(path, r);
    } else if (analysis == "flip") {
        FlipOptions f;
        f.noisy = f.clean = o.flipExamples;
        f.evalSubset = o.evalSubset;
        f.run = run;
        runFlipping(path, f);
    } else if (analysis == "neurons") {
        NeuronOptions n;
        n.evalSubset = o.evalSubset;
        n.run = run;
        runNeuronScores(path, n);
    } else if (analysis == "dropout-eval") {
        runDropoutEval(path, o.evalSubset, run);
    }
}

/// Brings one run up to date: trains or resumes it, then every missing analysis.
void doRun(const Experiment& e, std::size_t index, ExperimentRun& entry, const std::string& device,
           std::int64_t threads, const SweepAnalysisOptions& options, const SweepCallbacks& cb) {
    auto say = [&](const std::string& message) {
        if (cb.event) cb.event({index, &entry, message});
    };
    auto record = [&](const std::string& state) {
        entry.state = state;
        recordExperimentRun(e.folder, entry);
    };
    const std::string path = (fs::path(e.folder) / entry.path).string();
    RunConfig config = configFromJson(experimentRunConfig(e, index), "run " + entry.name);
    config.device = device;
    config.threads = threads;

    TrainCallbacks train;
    train.progress = cb.progress;
    train.cancel = cb.cancel;
    train.epochDone = [&](const EpochMetrics& m) {
        entry.epochsCompleted = m.epoch;
        if (m.epoch > 0) say("epoch " + std::to_string(m.epoch) + "/" + std::to_string(config.epochs));
    };
    bool worked = false;
    std::int64_t done = 0;
    if (fs::exists(path)) {
        done = readRunSummary(path).epochsCompleted;
    }
    entry.epochsCompleted = done;
    if (!fs::exists(path) || done < config.epochs) {
        worked = true;
        record("training");
        say(fs::exists(path) ? "resuming at epoch " + std::to_string(done) : "training");
        const TrainResult r = fs::exists(path) ? resumeRun(path, train, device, threads)
                                               : trainRun(config, path, train, /*overwrite=*/false);
        entry.epochsCompleted = r.epochsCompleted;
        if (r.cancelled) throw Cancelled();
    }

    const RunSummary summary = readRunSummary(path);
    entry.analysesDone.clear();
    for (const auto& a : e.analyses)
        if (contains(summary.analyses, storedName(a))) entry.analysesDone.push_back(a);
    AnalysisRunOptions run;
    run.device = device;
    run.threads = threads;
    run.progress = cb.progress;
    run.cancel = cb.cancel;
    for (const auto& a : e.analyses) {
        if (contains(entry.analysesDone, a)) continue;
        if (a == "dropout-eval" && summary.config.dropout != "example-tied") continue;  // nothing to evaluate
        worked = true;
        record("analysing");
        say(a);
        runAnalysis(a, path, options, run);
        entry.analysesDone.push_back(a);
        recordExperimentRun(e.folder, entry);
    }
    entry.error.clear();
    record("done");
    say(worked ? "done" : "done (already complete: skipped)");
}

} // namespace

int runSweep(const Experiment& experiment, int rank, int processes, const std::string& device, std::int64_t threads,
             const SweepAnalysisOptions& options, const SweepCallbacks& callbacks) {
    int failed = 0;
    for (std::size_t index : runsOfProcess(experiment.runs.size(), rank, processes)) {
        ExperimentRun entry = experiment.runs[index];
        try {
            doRun(experiment, index, entry, device, threads, options, callbacks);
        } catch (const Cancelled&) {
            entry.state = "interrupted";
            recordExperimentRun(experiment.folder, entry);
            throw;
        } catch (const std::exception& ex) {
            ++failed;
            entry.state = "failed";
            entry.error = ex.what();
            recordExperimentRun(experiment.folder, entry);
            if (callbacks.event) callbacks.event({index, &entry, std::string("failed: ") + ex.what()});
        }
    }
    return failed;
}

} // namespace memloc::core
