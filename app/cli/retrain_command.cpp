// memloc-cli retrain: retrain one layer group at a time on clean examples only (PAPER.md
// section 3) and report whether memorization of the noisy examples comes back.

#include "commands.h"
#include "progress_bar.h"

#include "memloc/error.h"
#include "memloc/retraining.h"

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <optional>
#include <sstream>

namespace memloc::cli {

namespace {

core::CancelToken g_cancel;

extern "C" void onRetrainInterrupt(int) {
    g_cancel.cancel();
    std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

/// Ctrl-C cancels the analysis while this lives.
struct InterruptScope {
    InterruptScope() { std::signal(SIGINT, onRetrainInterrupt); }
    ~InterruptScope() { std::signal(SIGINT, SIG_DFL); }
    InterruptScope(const InterruptScope&) = delete;
    InterruptScope& operator=(const InterruptScope&) = delete;
};

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream s(text);
    for (std::string item; std::getline(s, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

double doubleValue(const Arguments& args, const std::string& name, double fallback) {
    if (!args.has(name)) return fallback;
    const std::string v = args.value(name);
    try {
        std::size_t used = 0;
        const double parsed = std::stod(v, &used);
        if (used == v.size()) return parsed;
    } catch (const std::exception&) {
    }
    throw UsageError{"option --" + name + " expects a number, got '" + v + "'"};
}

std::string pct(double v) {
    if (v != v) return "n/a";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f%%", v * 100.0);
    return buf;
}

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
    std::printf("retraining %s: each group rewound to epoch %lld, then trained alone on the %lld clean examples only\n",
                r.runPath.c_str(), static_cast<long long>(r.fromEpoch), static_cast<long long>(r.cleanTrainCount));
    std::printf("(SGD lr %g, momentum %g, weight decay %g, batch %lld, up to %lld epochs, stop after %lld at 100%% clean);"
                " evaluated on %lld clean, %lld noisy, %lld test examples\n",
                r.lr, r.momentum, r.weightDecay, static_cast<long long>(r.batchSize), static_cast<long long>(r.maxEpochs),
                static_cast<long long>(r.stopAfter), static_cast<long long>(r.cleanCount),
                static_cast<long long>(r.noisyCount), static_cast<long long>(r.testCount));
    const core::RetrainEpoch& f = r.finalModel;
    std::printf("final model: clean %s, noisy-given (memorized) %s, noisy-true %s, test %s\n", pct(f.clean).c_str(),
                pct(f.noisyGiven).c_str(), pct(f.noisyTrue).c_str(), pct(f.test).c_str());
    std::printf("%-10s %7s  %-22s  %s\n", "", "", "after rewinding", "after retraining");
    std::printf("%-10s %7s  %9s %12s  %9s %12s %7s\n", "group", "epochs", "clean", "noisy-given", "clean", "noisy-given",
                "test");
    for (const auto& g : r.groups) {
        const core::RetrainEpoch& start = g.series.front();
        const core::RetrainEpoch& end = g.series.back();
        const std::string epochs = std::to_string(g.epochsTrained) + (g.stopRuleMet ? "*" : "");
        std::printf("%-10s %7s  %9s %12s  %9s %12s %7s\n", g.group.c_str(), epochs.c_str(), pct(start.clean).c_str(),
                    pct(start.noisyGiven).c_str(), pct(end.clean).c_str(), pct(end.noisyGiven).c_str(),
                    pct(end.test).c_str());
    }
    std::printf("* stopped by the stop rule. noisy-given after retraining = memorization recovered without training\n"
                "on any noisy example. Stored in %s as /analyses/retraining (--json prints every epoch)\n",
                r.runPath.c_str());
}

} // namespace

int retrainCommand(const Arguments& args) {
    args.requireKnown({"groups", "from-epoch", "max-epochs", "lr", "batch-size", "eval-subset", "device", "threads", "json"});
    if (args.positionals().size() != 1)
        throw UsageError{"retrain takes one run file: memloc-cli retrain RUN.h5 [--groups LIST] [--from-epoch E] ..."};
    core::RetrainOptions options;
    if (args.has("groups")) {
        options.groups = splitList(args.value("groups"));
        if (options.groups.empty()) throw UsageError{"option --groups expects names or indices separated by commas"};
    }
    options.fromEpoch = args.intValue("from-epoch", 0);
    options.maxEpochs = args.intValue("max-epochs", options.maxEpochs);
    options.lr = doubleValue(args, "lr", options.lr);
    options.batchSize = args.intValue("batch-size", 0);
    options.evalSubset = args.intValue("eval-subset", 0);
    options.run.device = args.value("device", "auto");
    options.run.threads = args.intValue("threads", 0);
    if (options.fromEpoch < 0) throw UsageError{"--from-epoch must be >= 0"};
    if (options.maxEpochs < 1) throw UsageError{"--max-epochs must be >= 1"};
    if (!(options.lr > 0)) throw UsageError{"--lr must be > 0"};
    if (args.has("batch-size") && options.batchSize < 2) throw UsageError{"--batch-size must be >= 2"};
    if (options.evalSubset < 0) throw UsageError{"--eval-subset must be >= 0 (0 = every example)"};
    if (options.run.threads < 0) throw UsageError{"--threads must be >= 0 (0 = every core)"};

    std::optional<ProgressBar> bar;  // made when the total is known (it changes once training starts)
    std::int64_t barTotal = -1;
    options.run.cancel = &g_cancel;
    options.run.progress = [&](const core::Progress& p) {
        if (p.total != barTotal) {
            if (bar) bar->clear();
            bar.emplace(p.total, true);
            barTotal = p.total;
        }
        bar->update(p.done, p);
    };
    core::RetrainResult result;
    {
        const InterruptScope interrupt;
        try {
            result = core::runRetraining(args.positionals().front(), options);
        } catch (const core::Cancelled&) {
            if (bar) bar->clear();
            std::fprintf(stderr, "interrupted: nothing stored; any previous retraining result in %s is unchanged\n",
                         args.positionals().front().c_str());
            return kExitInterrupted;
        } catch (...) {
            if (bar) bar->clear();
            throw;
        }
    }
    if (bar) bar->clear();
    if (args.has("json"))
        printJson(result);
    else
        printTable(result);
    return kExitOk;
}

} // namespace memloc::cli
