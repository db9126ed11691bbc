// memloc-cli rewind: layer rewinding grids (PAPER.md section 2) as a table or JSON.

#include "commands.h"
#include "progress_bar.h"

#include "memloc/error.h"
#include "memloc/rewinding.h"

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <optional>
#include <sstream>

namespace memloc::cli {

namespace {

core::CancelToken g_cancel;

extern "C" void onRewindInterrupt(int) {
    g_cancel.cancel();
    std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

/// Ctrl-C cancels the analysis while this lives.
struct InterruptScope {
    InterruptScope() { std::signal(SIGINT, onRewindInterrupt); }
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

std::vector<std::int64_t> intList(const std::string& option, const std::string& text) {
    std::vector<std::int64_t> out;
    for (const auto& item : splitList(text)) {
        try {
            std::size_t used = 0;
            out.push_back(std::stoll(item, &used));
            if (used != item.size()) throw std::invalid_argument(item);
        } catch (const std::exception&) {
            throw UsageError{"option --" + option + " expects integers separated by commas, got '" + item + "'"};
        }
    }
    if (out.empty()) throw UsageError{"option --" + option + " expects at least one integer"};
    return out;
}

std::string pct(double v) {
    if (v != v) return "n/a";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f%%", v * 100.0);
    return buf;
}

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
    std::printf("rewinding %s: final epoch %lld; evaluated on %lld clean, %lld noisy, %lld test examples\n",
                r.runPath.c_str(), static_cast<long long>(r.finalEpoch), static_cast<long long>(r.cleanCount),
                static_cast<long long>(r.noisyCount), static_cast<long long>(r.testCount));
    std::printf("memorization (noisy examples predicted with their given label) after rewinding one group to an epoch:\n");
    std::printf("%-10s", "group");
    for (std::int64_t e : r.epochs) std::printf(" %9s", ("epoch " + std::to_string(e)).c_str());
    std::printf("\n");
    for (std::size_t g = 0; g < r.groups.size(); ++g) {
        std::printf("%-10s", r.groups[g].c_str());
        for (double v : r.noisyGiven[g]) std::printf(" %9s", pct(v).c_str());
        std::printf("\n");
    }
    const core::RewindAccuracy& f = r.finalModel;
    std::printf("final model (nothing rewound): clean %s, noisy-given (memorized) %s, noisy-true %s, test %s\n",
                pct(f.clean).c_str(), pct(f.noisyGiven).c_str(), pct(f.noisyTrue).c_str(), pct(f.test).c_str());
    std::printf("stored in %s as /analyses/rewinding (--json prints the clean, noisy-true and test grids too)\n",
                r.runPath.c_str());
}

} // namespace

int rewindCommand(const Arguments& args) {
    args.requireKnown({"epochs", "groups", "eval-subset", "batch-size", "device", "threads", "json"});
    if (args.positionals().size() != 1)
        throw UsageError{"rewind takes one run file: memloc-cli rewind RUN.h5 [--epochs LIST] [--groups LIST] ..."};
    core::RewindOptions options;
    if (args.has("epochs")) options.epochs = intList("epochs", args.value("epochs"));
    if (args.has("groups")) {
        options.groups = splitList(args.value("groups"));
        if (options.groups.empty()) throw UsageError{"option --groups expects names or indices separated by commas"};
    }
    options.evalSubset = args.intValue("eval-subset", 0);
    options.batchSize = args.intValue("batch-size", 0);
    if (options.evalSubset < 0) throw UsageError{"--eval-subset must be >= 0 (0 = every example)"};
    if (args.has("batch-size") && options.batchSize < 1) throw UsageError{"--batch-size must be >= 1"};
    options.run.device = args.value("device", "auto");
    options.run.threads = args.intValue("threads", 0);
    if (options.run.threads < 0) throw UsageError{"--threads must be >= 0 (0 = every core)"};

    std::optional<ProgressBar> bar;  // made at the first report, when the total is known
    options.run.cancel = &g_cancel;
    options.run.progress = [&](const core::Progress& p) {
        if (!bar) bar.emplace(p.total, true);
        bar->update(p.done, p);
    };
    core::RewindResult result;
    {
        const InterruptScope interrupt;
        try {
            result = core::runRewinding(args.positionals().front(), options);
        } catch (const core::Cancelled&) {
            if (bar) bar->clear();
            std::fprintf(stderr, "interrupted: nothing stored; any previous rewinding result in %s is unchanged\n",
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
