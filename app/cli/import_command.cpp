// memloc-cli import / export-checkpoint: checkpoints made elsewhere in, stored ones back out.

#include "analysis_command.h"
#include "commands.h"

#include "memloc/error.h"
#include "memloc/import.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <set>
#include <string>

namespace memloc::cli {

namespace {

/// Settings of a run that describe its data; import takes only these from the command line.
const std::set<std::string> kDataSettings = {
    "dataset",         "data-dir",         "subset",          "subset-mode",       "subset-seed",
    "test-subset",     "noise",            "noise-seed",      "normalize",         "eval-batch-size",
    "synthetic-train", "synthetic-test",   "synthetic-size",  "synthetic-classes"};

void printResult(const core::ImportResult& r) {
    std::printf("imported %zu checkpoint(s) as %s (width %g, %s) into %s\n", r.epochs.size(), r.architecture.c_str(),
                r.width, r.format.c_str(), r.out.c_str());
    std::printf("labels: %s; %lld of %lld training examples noisy\n", r.labels.c_str(),
                static_cast<long long>(r.noisyCount), static_cast<long long>(r.trainSize));
    std::string groups;
    for (const auto& g : r.groups) groups += (groups.empty() ? "" : ", ") + g;
    std::printf("layer groups: %s\n", groups.c_str());
    std::printf("%-6s  %-8s  %-10s  %-10s  %-8s  %s\n", "epoch", "clean", "memorized", "noisy-true", "test", "file");
    for (const auto& e : r.epochs)
        std::printf("%-6lld  %-8s  %-10s  %-10s  %-8s  %s\n", static_cast<long long>(e.epoch), percent(e.cleanAcc).c_str(),
                    percent(e.memorized).c_str(), percent(e.noisyTrueAcc).c_str(), percent(e.testAcc).c_str(),
                    e.file.c_str());
    for (const auto& n : r.notes) std::printf("note: %s\n", n.c_str());
}

nlohmann::json resultJson(const core::ImportResult& r) {
    nlohmann::json epochs = nlohmann::json::array();
    for (const auto& e : r.epochs)
        epochs.push_back({{"epoch", e.epoch}, {"file", e.file}, {"train_clean_acc", e.cleanAcc},
                          {"train_noisy_given_acc", e.memorized}, {"train_noisy_true_acc", e.noisyTrueAcc},
                          {"test_acc", e.testAcc}});
    return {{"out", r.out},           {"format", r.format},         {"architecture", r.architecture},
            {"width", r.width},       {"labels", r.labels},         {"noisy_count", r.noisyCount},
            {"train_size", r.trainSize}, {"groups", r.groups},      {"epochs", epochs},
            {"notes", r.notes}};
}

} // namespace

int importCommand(const Arguments& args) {
    const std::set<std::string> own = {"out",   "overwrite", "model",   "given-labels", "noise-mask", "groups",
                                       "epoch", "device",    "threads", "quiet",        "json"};
    for (const auto& name : args.names())
        if (!own.count(name) && !kDataSettings.count(name))
            throw UsageError{"import: unknown option --" + name +
                             " (import takes the data settings --dataset --data-dir --subset --subset-mode --subset-seed "
                             "--test-subset --normalize --noise --noise-seed, and --given-labels --noise-mask --model "
                             "--groups --epoch --out --overwrite)"};
    if (args.positionals().size() != 1) throw UsageError{"import needs one SOURCE (a checkpoint file or an epoch folder)"};
    if (!args.has("out")) throw UsageError{"import needs --out RUN.h5"};

    core::ImportOptions options;
    options.source = args.positionals().front();
    options.out = args.value("out");
    options.overwrite = args.has("overwrite");
    options.config = applyConfigFlags(args, core::RunConfig{}, own);
    options.model = args.value("model");
    options.givenLabels = args.value("given-labels");
    options.noiseMask = args.value("noise-mask");
    options.groups = args.value("groups");
    options.epoch = args.intValue("epoch", -1);
    if (args.has("epoch") && options.epoch < 0) throw UsageError{"--epoch must be >= 0"};

    AnalysisCommand command(args);
    options.device = command.runOptions().device;
    options.threads = command.runOptions().threads;
    options.progress = command.runOptions().progress;
    options.cancel = command.runOptions().cancel;
    const core::ImportResult result = core::importCheckpoints(options);
    command.finish();
    if (args.has("json"))
        std::printf("%s\n", resultJson(result).dump(2).c_str());
    else if (!args.has("quiet"))
        printResult(result);
    return kExitOk;
}

int exportCheckpointCommand(const Arguments& args) {
    args.requireKnown({"out", "epoch"});
    if (args.positionals().size() != 1) throw UsageError{"export-checkpoint needs one RUN.h5"};
    if (!args.has("out")) throw UsageError{"export-checkpoint needs --out FILE.pt or --out FILE.safetensors"};
    const std::int64_t epoch = args.intValue("epoch", -1);
    core::exportCheckpoint(args.positionals().front(), epoch, args.value("out"));
    std::printf("wrote %s (epoch %s of %s)\n", args.value("out").c_str(), epoch < 0 ? "final" : std::to_string(epoch).c_str(),
                args.positionals().front().c_str());
    return kExitOk;
}

} // namespace memloc::cli
