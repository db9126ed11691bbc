// memloc-cli rewind: layer rewinding grids as a table or JSON.

#include "commands.h"
#include "analysis_command.h"

#include "memloc/error.h"
#include "memloc/rewinding.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace memloc::cli {

namespace {

nlohmann::json grid(const std::vector<std::vector<double>>& g) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : g) {
        nlohmann::json cells = nlohmann::json::array();
        for (double v : row) cells.push_back(v != v ? nlohmann::json(nullptr) : nlohmann::json(v));
        rows.push_back(cells);
    }
    return rows;
}

nlohmann::json accuracy(const core::RewindAccuracy& a) {
    auto num = [](double v) { return v != v ? nlohmann::json(nullptr) : nlohmann::json(v); };
    return {{"clean", num(a.clean)}, {"noisy_given", num(a.noisyGiven)}, {"noisy_true", num(a.noisyTrue)},
            {"test", num(a.test)}};
}

void printJson(const core::RewindResult& r) {
    nlohmann::json j;
    j["run"] = r.runPath;
    j["final_epoch"] = r.finalEpoch;
    j["eval_subset"] = r.evalSubset;
    j["batch_size"] = r.batchSize;
    j["eval_counts"] = {{"clean", r.cleanCount}, {"noisy", r.noisyCount}, {"test", r.testCount}};
    j["groups"] = r.groups;
    j["epochs"] = r.epochs;
    j["final"] = accuracy(r.finalModel);
    j["grids"] = {{"clean", grid(r.clean)}, {"noisy_given", grid(r.noisyGiven)},
                  {"noisy_true", grid(r.noisyTrue)}, {"test", grid(r.test)}};
    std::printf("%s\n", j.dump(2).c_str());
}

void printTable(const core::RewindResult& r) {
    const SetWords w = runSetWords(r.runPath);
    std::printf("rewinding %s: final epoch %lld; evaluated on %lld %s, %lld %s, %lld test examples\n",
                r.runPath.c_str(), static_cast<long long>(r.finalEpoch), static_cast<long long>(r.cleanCount),
                w.rest.c_str(), static_cast<long long>(r.noisyCount), w.set.c_str(), static_cast<long long>(r.testCount));
    if (w.labelNoise)
        std::printf("memorization (noisy examples predicted with their given label) after rewinding one group to an epoch:\n");
    else
        std::printf("fit of the %s examples (predicted with their given label) after rewinding one group to an epoch:\n",
                    w.set.c_str());
    std::printf("%-10s", "group");
    for (std::int64_t e : r.epochs) std::printf(" %9s", ("epoch " + std::to_string(e)).c_str());
    std::printf("\n");
    for (std::size_t g = 0; g < r.groups.size(); ++g) {
        std::printf("%-10s", r.groups[g].c_str());
        for (double v : r.noisyGiven[g]) std::printf(" %9s", percent(v).c_str());
        std::printf("\n");
    }
    const core::RewindAccuracy& f = r.finalModel;
    std::printf("final model (nothing rewound): %s %s, %s %s, %s %s, test %s\n", w.rest.c_str(), percent(f.clean).c_str(),
                w.given.c_str(), percent(f.noisyGiven).c_str(), w.truth.c_str(), percent(f.noisyTrue).c_str(),
                percent(f.test).c_str());
    std::printf("stored in %s as /analyses/rewinding (--json prints the %s, %s and test grids too)\n", r.runPath.c_str(),
                w.rest.c_str(), w.truth.c_str());
}

} // namespace

int rewindCommand(const Arguments& args) {
    std::set<std::string> known = kAnalysisOptions;
    known.insert({"epochs", "groups", "eval-subset", "batch-size"});
    args.requireKnown(known);
    if (args.positionals().size() != 1)
        throw UsageError{"rewind takes one run file: memloc-cli rewind RUN.h5 [--epochs LIST] [--groups LIST] ..."};
    core::RewindOptions options;
    options.epochs = args.intListValue("epochs");
    if (args.has("groups")) {
        options.groups = args.listValue("groups");
    }
    options.evalSubset = args.intValue("eval-subset", 0);
    options.batchSize = args.intValue("batch-size", 0);
    if (options.evalSubset < 0) throw UsageError{"--eval-subset must be >= 0 (0 = every example)"};
    if (args.has("batch-size") && options.batchSize < 1) throw UsageError{"--batch-size must be >= 1"};

    AnalysisCommand command(args);
    options.run = command.runOptions();
    const core::RewindResult result = core::runRewinding(args.positionals().front(), options);
    command.finish();
    if (args.has("json"))
        printJson(result);
    else
        printTable(result);
    return kExitOk;
}

} // namespace memloc::cli
