// memloc-cli demo: the embedded default end to end - train the demo run and its example-tied
// dropout twin, run every analysis, print and save a summary of the findings.

#include "analysis_command.h"
#include "commands.h"
#include "interrupt.h"

#include "memloc/demo_config.h"
#include "memloc/dropout_eval.h"
#include "memloc/error.h"
#include "memloc/flipping.h"
#include "memloc/neurons.h"
#include "memloc/retraining.h"
#include "memloc/rewinding.h"
#include "memloc/run_summary.h"
#include "memloc/training.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace memloc::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A layer group is "critical" when rewinding it alone to the middle of training (before most
// memorization, while clean accuracy stays intact) costs at least this much accuracy on memorized
// examples. Rewinding to initialisation is no test: it breaks clean accuracy too.
constexpr double kCriticalDrop = 0.2;

double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

void trainOne(const core::RunConfig& config, const std::string& path, core::AnalysisRunOptions& run, bool quiet) {
    ProgressBar bar(config.epochs, !quiet);
    std::int64_t epoch = 0;
    core::TrainCallbacks cb;
    cb.cancel = run.cancel;
    cb.progress = [&](const core::Progress& p) { bar.update(epoch * p.total + p.done, p); };
    cb.epochDone = [&](const core::EpochMetrics& m) { epoch = m.epoch; };
    const core::TrainResult r = core::trainRun(config, path, cb, /*overwrite=*/true);
    bar.clear();
    if (r.cancelled) throw core::Cancelled();
}

} // namespace

int demoCommand(const Arguments& args) {
    args.requireKnown({"out", "config", "device", "threads", "quiet"});
    const std::string out = args.value("out", "memloc-demo");
    const bool quiet = args.has("quiet");
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) throw core::Error(out + ": cannot create the output folder: " + ec.message());
    AnalysisCommand command(args);
    core::AnalysisRunOptions& run = command.runOptions();
    const auto start = Clock::now();
    nlohmann::json timing = nlohmann::json::object();
    auto say = [&](const char* what) {
        if (!quiet) std::fprintf(stderr, "[%5.0fs] %s\n", seconds(start), what);
    };

    core::RunConfig config = core::demoConfig(), etdConfig = core::demoEtdConfig();
    if (args.has("config")) {
        // The same pipeline on another base run; its twin adds the demo twin's example-tied dropout.
        config = core::loadConfigFile(args.value("config"), config);
        if (config.dropout != "none")
            throw UsageError{args.value("config") + ": the demo's base run must be trained without dropout (its twin "
                             "adds example-tied dropout)"};
        const core::RunConfig twin = etdConfig;
        etdConfig = config;
        etdConfig.dropout = twin.dropout;
        etdConfig.pGen = twin.pGen;
        etdConfig.pMem = twin.pMem;
        etdConfig.dropoutBlocks = twin.dropoutBlocks;
    }
    for (core::RunConfig* c : {&config, &etdConfig}) {
        c->device = run.device;
        c->threads = run.threads;
    }
    const std::string runPath = (fs::path(out) / "demo.h5").string();
    const std::string etdPath = (fs::path(out) / "demo-etd.h5").string();

    // Runs one stage, announcing it and recording its wall time.
    auto stage = [&](const char* key, const char* what, const auto& work) {
        say(what);
        const auto t = Clock::now();
        work();
        timing[key] = seconds(t);
    };
    core::RewindResult rw;
    core::RetrainResult rt;
    core::FlipResult fl;
    core::DropoutEvalResult de;
    stage("train", args.has("config") ? "training the base run"
                                      : "training the demo run (ResNet-9 x0.25, 6000 Fashion-MNIST images, 10% label noise)",
          [&] { trainOne(config, runPath, run, quiet); });
    stage("train_etd", "training its example-tied dropout twin", [&] { trainOne(etdConfig, etdPath, run, quiet); });
    stage("rewind", "layer rewinding", [&] {
        core::RewindOptions o;
        o.evalSubset = 500;
        o.run = run;
        rw = core::runRewinding(runPath, o);
    });
    stage("retrain", "retraining each layer group on clean examples only", [&] {
        core::RetrainOptions o;
        o.maxEpochs = 3;
        o.evalSubset = 500;
        o.run = run;
        rt = core::runRetraining(runPath, o);
    });
    stage("flip", "neuron flipping", [&] {
        core::FlipOptions o;
        o.noisy = 30;
        o.clean = 30;
        o.evalSubset = 300;
        o.run = run;
        fl = core::runFlipping(runPath, o);
    });
    stage("neurons", "per-neuron scores", [&] {
        core::NeuronOptions o;
        o.evalSubset = 300;
        o.run = run;
        core::runNeuronScores(runPath, o);
    });
    stage("dropout_eval", "example-tied dropout evaluation", [&] { de = core::runDropoutEval(etdPath, 0, run); });
    command.finish();

    // Findings.
    const core::RunSummary summary = core::readRunSummary(runPath);
    const core::EpochMetrics& fin = summary.metrics.back();
    nlohmann::json rewindDrop = nlohmann::json::object(), retrainRecovered = nlohmann::json::object();
    std::vector<std::string> critical;
    const std::size_t mid = core::middleRewindIndex(rw);
    const std::int64_t midEpoch = rw.epochs.at(mid);
    for (std::size_t g = 0; g < rw.groups.size(); ++g) {
        const double drop = rw.finalModel.noisyGiven - rw.noisyGiven[g][mid];
        rewindDrop[rw.groups[g]] = drop;
        if (drop >= kCriticalDrop) critical.push_back(rw.groups[g]);
    }
    for (const auto& g : rt.groups) retrainRecovered[g.group] = g.series.back().noisyGiven;
    const core::DropoutModeResult* modes[3] = {nullptr, nullptr, nullptr};
    for (const auto& m : de.modes) modes[m.mode == "standard" ? 0 : m.mode == "test" ? 1 : 2] = &m;

    nlohmann::json j;
    j["run"] = runPath;
    j["etd_run"] = etdPath;
    j["final"] = {{"train_clean_acc", fin.trainCleanAcc}, {"train_noisy_given_acc", fin.trainNoisyGivenAcc},
                  {"train_noisy_true_acc", fin.trainNoisyTrueAcc}, {"test_acc", fin.testAcc}};
    j["median_units_noisy"] = core::medianUnits(fl, true);
    j["median_units_clean"] = core::medianUnits(fl, false);
    j["critical_groups"] = critical;
    j["critical_rule"] = "rewinding the group alone to epoch " + std::to_string(midEpoch) +
                         " lowers memorized-example accuracy by >= 20 points";
    j["rewind_epoch"] = midEpoch;
    j["rewind_memorization_drop"] = rewindDrop;
    j["retrain_noisy_given_acc"] = retrainRecovered;
    j["etd"] = {{"p_gen", de.pGen},
                {"p_mem", de.pMem},
                {"standard_noisy_given_acc", modes[0]->noisyGiven},
                {"test_mode_noisy_given_acc", modes[1]->noisyGiven},
                {"test_mode_test_acc", modes[1]->test},
                {"drop_noisy_given_acc", modes[2]->noisyGiven},
                {"drop_clean_acc", modes[2]->clean},
                {"drop_test_acc", modes[2]->test}};
    j["seconds"] = timing;
    j["seconds_total"] = seconds(start);
    const std::string summaryPath = (fs::path(out) / "summary.json").string();
    std::ofstream file(summaryPath);
    file << j.dump(2) << "\n";
    if (!file) throw core::Error(summaryPath + ": cannot write the summary");

    std::printf("memloc demo: findings on %s (%.0f s)\n", runPath.c_str(), seconds(start));
    std::printf("  trained: clean %s, memorized %s of the mislabeled examples, test %s\n", percent(fin.trainCleanAcc).c_str(),
                percent(fin.trainNoisyGivenAcc).c_str(), percent(fin.testAcc).c_str());
    std::printf("  flipping: a memorized example flips after %g units (median), a clean one after %g\n",
                core::medianUnits(fl, true), core::medianUnits(fl, false));
    std::string crit;
    for (const auto& c : critical) crit += (crit.empty() ? "" : ", ") + c;
    std::printf("  rewinding one group to epoch %lld: critical groups (memorization -%d points or more): %s\n",
                static_cast<long long>(midEpoch), static_cast<int>(kCriticalDrop * 100), crit.empty() ? "none" : crit.c_str());
    std::printf("  retraining one group on clean data: memorization recovered to");
    for (const auto& g : rt.groups) std::printf(" %s %s", g.group.c_str(), percent(g.series.back().noisyGiven).c_str());
    std::printf("\n  example-tied dropout: memorized %s (standard) -> %s (drop mode); test %s (test mode) vs %s (drop)\n",
                percent(modes[0]->noisyGiven).c_str(), percent(modes[2]->noisyGiven).c_str(),
                percent(modes[1]->test).c_str(), percent(modes[2]->test).c_str());
    std::printf("  summary: %s\n", summaryPath.c_str());
    return kExitOk;
}

} // namespace memloc::cli
