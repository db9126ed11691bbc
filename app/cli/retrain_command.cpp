// memloc-cli retrain: retrain one layer group at a time on clean examples only,
// and report whether memorization of the noisy examples comes back.

#include "commands.h"
#include "analysis_command.h"

#include "memloc/error.h"
#include "memloc/retraining.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <set>
#include <string>

namespace memloc::cli {

namespace {

nlohmann::json num(double v) { return v != v ? nlohmann::json(nullptr) : nlohmann::json(v); }

nlohmann::json epochJson(const core::RetrainEpoch& e) {
    return {{"epoch", e.epoch},        {"train_loss", num(e.trainLoss)},   {"train_clean", num(e.trainClean)},
            {"clean", num(e.clean)},   {"noisy_given", num(e.noisyGiven)}, {"noisy_true", num(e.noisyTrue)},
            {"test", num(e.test)}};
}

void printJson(const core::RetrainResult& r) {
    nlohmann::json j;
    j["run"] = r.runPath;
    j["final_epoch"] = r.finalEpoch;
    j["from_epoch"] = r.fromEpoch;
    j["max_epochs"] = r.maxEpochs;
    j["stop_after"] = r.stopAfter;
    j["lr"] = r.lr;
    j["momentum"] = r.momentum;
    j["weight_decay"] = r.weightDecay;
    j["batch_size"] = r.batchSize;
    j["eval_subset"] = r.evalSubset;
    j["seed"] = r.seed;
    j["clean_train_count"] = r.cleanTrainCount;
    j["eval_counts"] = {{"clean", r.cleanCount}, {"noisy", r.noisyCount}, {"test", r.testCount}};
    j["final"] = epochJson(r.finalModel);
    nlohmann::json groups = nlohmann::json::array();
    for (const auto& g : r.groups) {
        nlohmann::json series = nlohmann::json::array();
        for (const auto& e : g.series) series.push_back(epochJson(e));
        groups.push_back({{"group", g.group}, {"epochs_trained", g.epochsTrained}, {"stop_rule_met", g.stopRuleMet},
                          {"series", series}});
    }
    j["groups"] = groups;
    std::printf("%s\n", j.dump(2).c_str());
}

void printTable(const core::RetrainResult& r) {
    const SetWords w = runSetWords(r.runPath);
    const char* rest = w.rest.c_str();
    std::printf("retraining %s: each group rewound to epoch %lld, then trained alone on the %lld %s examples only\n",
                r.runPath.c_str(), static_cast<long long>(r.fromEpoch), static_cast<long long>(r.cleanTrainCount), rest);
    std::printf("(SGD lr %g, momentum %g, weight decay %g, batch %lld, up to %lld epochs, stop after %lld at 100%% %s);"
                " evaluated on %lld %s, %lld %s, %lld test examples\n",
                r.lr, r.momentum, r.weightDecay, static_cast<long long>(r.batchSize), static_cast<long long>(r.maxEpochs),
                static_cast<long long>(r.stopAfter), rest, static_cast<long long>(r.cleanCount), rest,
                static_cast<long long>(r.noisyCount), w.set.c_str(), static_cast<long long>(r.testCount));
    const core::RetrainEpoch& f = r.finalModel;
    std::printf("final model: %s %s, %s %s, %s %s, test %s\n", rest, percent(f.clean).c_str(), w.given.c_str(),
                percent(f.noisyGiven).c_str(), w.truth.c_str(), percent(f.noisyTrue).c_str(), percent(f.test).c_str());
    std::printf("%-10s %7s  %-22s  %s\n", "", "", "after rewinding", "after retraining");
    std::printf("%-10s %7s  %9s %12s  %9s %12s %7s\n", "group", "epochs", rest, w.givenShort.c_str(), rest,
                w.givenShort.c_str(), "test");
    for (const auto& g : r.groups) {
        const core::RetrainEpoch& start = g.series.front();
        const core::RetrainEpoch& end = g.series.back();
        const std::string epochs = std::to_string(g.epochsTrained) + (g.stopRuleMet ? "*" : "");
        std::printf("%-10s %7s  %9s %12s  %9s %12s %7s\n", g.group.c_str(), epochs.c_str(), percent(start.clean).c_str(),
                    percent(start.noisyGiven).c_str(), percent(end.clean).c_str(), percent(end.noisyGiven).c_str(),
                    percent(end.test).c_str());
    }
    if (w.labelNoise)
        std::printf("* stopped by the stop rule. noisy-given after retraining = memorization recovered without training\n"
                    "on any noisy example. Stored in %s as /analyses/retraining (--json prints every epoch)\n",
                    r.runPath.c_str());
    else
        std::printf("* stopped by the stop rule. %s after retraining = their fit recovered without training\n"
                    "on any %s example. Stored in %s as /analyses/retraining (--json prints every epoch)\n",
                    w.set.c_str(), w.set.c_str(), r.runPath.c_str());
}

} // namespace

int retrainCommand(const Arguments& args) {
    std::set<std::string> known = kAnalysisOptions;
    known.insert({"groups", "from-epoch", "max-epochs", "lr", "batch-size", "eval-subset"});
    args.requireKnown(known);
    if (args.positionals().size() != 1)
        throw UsageError{"retrain takes one run file: memloc-cli retrain RUN.h5 [--groups LIST] [--from-epoch E] ..."};
    core::RetrainOptions options;
    if (args.has("groups")) {
        options.groups = args.listValue("groups");
    }
    options.fromEpoch = args.intValue("from-epoch", 0);
    options.maxEpochs = args.intValue("max-epochs", options.maxEpochs);
    options.lr = args.doubleValue("lr", options.lr);
    options.batchSize = args.intValue("batch-size", 0);
    options.evalSubset = args.intValue("eval-subset", 0);
    if (options.fromEpoch < 0) throw UsageError{"--from-epoch must be >= 0"};
    if (options.maxEpochs < 1) throw UsageError{"--max-epochs must be >= 1"};
    if (!(options.lr > 0)) throw UsageError{"--lr must be > 0"};
    if (args.has("batch-size") && options.batchSize < 2) throw UsageError{"--batch-size must be >= 2"};
    if (options.evalSubset < 0) throw UsageError{"--eval-subset must be >= 0 (0 = every example)"};

    AnalysisCommand command(args);
    options.run = command.runOptions();
    const core::RetrainResult result = core::runRetraining(args.positionals().front(), options);
    command.finish();
    if (args.has("json"))
        printJson(result);
    else
        printTable(result);
    return kExitOk;
}

} // namespace memloc::cli
