// memloc-cli compare: runs or experiments side by side, one condition per set of varied settings,
// each figure the mean over the seeds with its band, as tables or JSON.

#include "commands.h"

#include "memloc/compare.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace memloc::cli {

namespace {

nlohmann::json bandJson(const core::Band& b) {
    if (b.n == 0) return nullptr;
    return {{"mean", b.mean}, {"min", b.min}, {"max", b.max}, {"sd", b.sd}, {"n", b.n}};
}

nlohmann::json bandsJson(const std::vector<core::Band>& bands) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& b : bands) out.push_back(bandJson(b));
    return out;
}

/// "97.0% [95.1, 98.2] sd 1.2" for fractions (scale 100, in points) or plain values.
std::string bandText(const core::Band& b, double scale, const char* unit) {
    if (b.n == 0) return "-";
    char text[96];
    if (b.n == 1)
        std::snprintf(text, sizeof text, "%.1f%s", b.mean * scale, unit);
    else
        std::snprintf(text, sizeof text, "%.1f%s [%.1f, %.1f] sd %.1f", b.mean * scale, unit, b.min * scale,
                      b.max * scale, b.sd * scale);
    return text;
}

/// A table: one row per item (group or mode), one column per condition.
void printTable(const core::Comparison& c, const std::string& title, const std::vector<std::string>& (*rows)(const core::Condition&),
                const std::vector<core::Band>& (*values)(const core::Condition&), double scale, const char* unit) {
    const std::vector<std::string>* names = nullptr;
    for (const auto& cond : c.conditions)
        if (!rows(cond).empty()) names = &rows(cond);
    if (!names) return;
    std::printf("\n%s\n%-10s", title.c_str(), "");
    for (const auto& cond : c.conditions) std::printf("  %-32s", cond.name.c_str());
    std::printf("\n");
    for (std::size_t k = 0; k < names->size(); ++k) {
        std::printf("%-10s", (*names)[k].c_str());
        for (const auto& cond : c.conditions)
            std::printf("  %-32s", rows(cond) == *names && k < values(cond).size()
                                       ? bandText(values(cond)[k], scale, unit).c_str()
                                       : "-");
        std::printf("\n");
    }
}

} // namespace

int compareCommand(const Arguments& args) {
    args.requireKnown({"json"});
    if (args.positionals().empty())
        throw UsageError{"compare needs run files or experiment folders (memloc-cli compare RUN.h5|FOLDER ...)"};
    const core::Comparison c = core::compareRuns(args.positionals());
    const core::FocusNames names = core::commonFocusNames(c);
    // Label noise keeps its wording; a focus set's "memorized" figures are its fit.
    const std::string fitted = names.labelNoise ? "memorized" : names.set + " (fitted)";
    const std::string rest = names.labelNoise ? "clean" : names.rest;

    if (args.has("json")) {
        nlohmann::json conditions = nlohmann::json::array();
        for (const auto& cond : c.conditions) {
            conditions.push_back({{"name", cond.name},
                                  {"settings", cond.settings},
                                  {"runs", cond.runs},
                                  {"memorized", bandsJson(cond.memorized)},
                                  {"clean", bandsJson(cond.clean)},
                                  {"test", bandsJson(cond.test)},
                                  {"rewind_epoch", cond.rewindEpoch},
                                  {"rewind_groups", cond.rewindGroups},
                                  {"rewind_memorization_drop", bandsJson(cond.rewindDrop)},
                                  {"retrain_groups", cond.retrainGroups},
                                  {"retrain_memorized", bandsJson(cond.retrainMemorized)},
                                  {"median_units_noisy", bandJson(cond.unitsNoisy)},
                                  {"median_units_clean", bandJson(cond.unitsClean)},
                                  {"dropout_modes", cond.dropoutModes},
                                  {"dropout_memorized", bandsJson(cond.dropoutMemorized)},
                                  {"dropout_test", bandsJson(cond.dropoutTest)}});
        }
        const nlohmann::json j = {{"varied", c.varied},
                                  {"averaged_over", c.seedKeys},
                                  {"left_out", c.leftOut},
                                  {"band", "mean, min, max and sample sd (n - 1) over each condition's runs"},
                                  {"conditions", conditions}};
        std::printf("%s\n", j.dump(2).c_str());
        return kExitOk;
    }

    std::size_t runs = 0;
    for (const auto& cond : c.conditions) runs += cond.runs.size();
    std::string varied, seeds;
    for (const auto& v : c.varied) varied += (varied.empty() ? "" : ", ") + v;
    for (const auto& s : c.seedKeys) seeds += (seeds.empty() ? "" : ", ") + s;
    std::printf("compare: %zu runs in %zu conditions (varied: %s; averaged over: %s)\n", runs, c.conditions.size(),
                varied.empty() ? "nothing" : varied.c_str(), seeds.empty() ? "nothing" : seeds.c_str());
    for (const auto& path : c.leftOut) std::printf("left out, not finished: %s\n", path.c_str());
    std::printf("each figure: mean over the condition's runs [min, max] and sample sd; accuracies in %%\n");
    std::printf("\nfinal epoch%-14s%-34s%-34s%-34s\n", "", fitted.c_str(), rest.c_str(), "test");
    for (const auto& cond : c.conditions) {
        const std::size_t last = cond.memorized.size() - 1;
        std::printf("%-25s%-34s%-34s%-34s  (%zu runs, epoch %zu)\n", cond.name.c_str(),
                    bandText(cond.memorized[last], 100, "%").c_str(), bandText(cond.clean[last], 100, "%").c_str(),
                    bandText(cond.test[last], 100, "%").c_str(), cond.runs.size(), last);
    }
    std::printf("\nflipping: median units to flip%-4s%-34s%-34s\n", "", (fitted + " example").c_str(),
                (rest + " example").c_str());
    for (const auto& cond : c.conditions)
        std::printf("%-34s%-34s%-34s\n", cond.name.c_str(), bandText(cond.unitsNoisy, 1, "").c_str(),
                    bandText(cond.unitsClean, 1, "").c_str());
    printTable(c, names.labelNoise ? "rewinding one group to the rewind epoch nearest mid-training: memorization drop (points)"
                                   : "rewinding one group to the rewind epoch nearest mid-training: " + fitted + " drop (points)",
               [](const core::Condition& x) -> const std::vector<std::string>& { return x.rewindGroups; },
               [](const core::Condition& x) -> const std::vector<core::Band>& { return x.rewindDrop; }, 100, "");
    printTable(c, "retraining one group on " + rest + " examples: " + fitted + " after retraining",
               [](const core::Condition& x) -> const std::vector<std::string>& { return x.retrainGroups; },
               [](const core::Condition& x) -> const std::vector<core::Band>& { return x.retrainMemorized; }, 100, "%");
    printTable(c, "example-tied dropout: " + fitted + " per evaluation mode",
               [](const core::Condition& x) -> const std::vector<std::string>& { return x.dropoutModes; },
               [](const core::Condition& x) -> const std::vector<core::Band>& { return x.dropoutMemorized; }, 100, "%");
    printTable(c, "example-tied dropout: test accuracy per evaluation mode",
               [](const core::Condition& x) -> const std::vector<std::string>& { return x.dropoutModes; },
               [](const core::Condition& x) -> const std::vector<core::Band>& { return x.dropoutTest; }, 100, "%");
    return kExitOk;
}

} // namespace memloc::cli
