// memloc-cli neurons / drop: per-unit memorization scores and neuron dropping.

#include "analysis_command.h"
#include "commands.h"

#include "memloc/neurons.h"
#include "memloc/run_summary.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace memloc::cli {

namespace {

struct Ranked {
    std::size_t group;
    std::size_t channel;
    double value;
};

// The k units with the largest `sign * value`, leaving out group `skip` (npos: none).
std::vector<Ranked> top(const core::UnitGrid& grid, std::size_t k, double sign, std::size_t skip) {
    std::vector<Ranked> all;
    for (std::size_t g = 0; g < grid.size(); ++g)
        if (g != skip)
            for (std::size_t c = 0; c < grid[g].size(); ++c) all.push_back({g, c, grid[g][c]});
    std::sort(all.begin(), all.end(), [sign](const Ranked& a, const Ranked& b) { return sign * a.value > sign * b.value; });
    if (all.size() > k) all.resize(k);
    return all;
}

void printTop(const core::NeuronScores& s, const std::string& title, const core::UnitGrid& grid, double sign,
              bool asPercent, std::size_t skip) {
    std::printf("%s:", title.c_str());
    for (const auto& r : top(grid, 8, sign, skip)) {
        if (asPercent)
            std::printf("  %s:%zu (%+.1f%%)", s.groups[r.group].c_str(), r.channel, r.value * 100.0);
        else
            std::printf("  %s:%zu (%.3g)", s.groups[r.group].c_str(), r.channel, r.value);
    }
    std::printf("\n");
}

nlohmann::json gridJson(const core::UnitGrid& grid) { return grid; }

// The index of the final classifier group (units = output classes), or npos when there is none.
std::size_t classifierGroup(const core::NeuronScores& s, std::int64_t numClasses) {
    if (s.units.empty()) return std::string::npos;
    const std::size_t last = s.units.size() - 1;
    return core::isClassifierGroup(last, s.units.size(), s.units[last], numClasses) ? last : std::string::npos;
}

} // namespace

int neuronsCommand(const Arguments& args) {
    std::set<std::string> known = kAnalysisOptions;
    known.insert({"attribution-examples", "eval-subset", "include-classifier"});
    args.requireKnown(known);
    if (args.positionals().size() != 1) throw UsageError{"neurons takes one run file: memloc-cli neurons RUN.h5 [options]"};
    core::NeuronOptions o;
    o.attributionExamples = args.intValue("attribution-examples", o.attributionExamples);
    o.evalSubset = args.intValue("eval-subset", o.evalSubset);
    AnalysisCommand command(args);
    o.run = command.runOptions();
    const core::NeuronScores s = core::runNeuronScores(args.positionals().front(), o);
    command.finish();
    const std::size_t classifier = classifierGroup(s, core::readRunSummary(args.positionals().front()).numClasses);
    // Ablating a class logit removes the class: it would top every ranking and say nothing about
    // memorization, so the rankings leave the classifier's units out unless asked.
    const std::size_t skip = args.has("include-classifier") ? std::string::npos : classifier;
    if (args.has("json")) {
        nlohmann::json j = {{"groups", s.groups},
                            {"units", s.units},
                            {"has_flipping", s.hasFlipping},
                            {"base_clean_acc", s.baseClean},
                            {"base_noisy_acc", s.baseNoisy},
                            {"flip_noisy", gridJson(s.flipNoisy)},
                            {"flip_clean", gridJson(s.flipClean)},
                            {"attribution", gridJson(s.attribution)},
                            {"ablation_noisy", gridJson(s.ablationNoisy)},
                            {"ablation_clean", gridJson(s.ablationClean)},
                            {"classifier_group", classifier == std::string::npos ? nlohmann::json(nullptr)
                                                                                 : nlohmann::json(s.groups[classifier])}};
        std::printf("%s\n", j.dump(2).c_str());
        return kExitOk;
    }
    const SetWords w = runSetWords(args.positionals().front());
    std::printf("per-unit %s scores of %s (base: %s %s, %s %s)\n", w.labelNoise ? "memorization" : (w.set + "-fit").c_str(),
                args.positionals().front().c_str(), w.rest.c_str(), percent(s.baseClean).c_str(), w.set.c_str(),
                percent(s.baseNoisy).c_str());
    if (skip != std::string::npos)
        std::printf("rankings leave out the %lld units of the final classifier group '%s' (they are the output classes; "
                    "--include-classifier ranks them too)\n",
                    static_cast<long long>(s.units[skip]), s.groups[skip].c_str());
    if (s.hasFlipping) {
        printTop(s, "most often zeroed flipping " + w.set + " examples", s.flipNoisy, 1, false, skip);
        printTop(s, "most often zeroed flipping " + w.rest + " examples", s.flipClean, 1, false, skip);
    } else {
        std::printf("flip frequency: no flipping stored yet (run memloc-cli flip first)\n");
    }
    printTop(s, "highest attribution (" + w.set + " minus " + w.rest + ")", s.attribution, 1, false, skip);
    printTop(s, "largest " + w.set + "-accuracy drop when ablated", s.ablationNoisy, -1, true, skip);
    printTop(s, "largest " + w.rest + "-accuracy drop when ablated", s.ablationClean, -1, true, skip);
    std::printf("stored as /analyses/neurons\n");
    return kExitOk;
}

int dropCommand(const Arguments& args) {
    args.requireKnown({"units", "example", "eval-subset", "device", "threads", "json", "repeat"});
    if (args.positionals().size() != 1) throw UsageError{"drop takes one run file: memloc-cli drop RUN.h5 --units G:C[,G:C...]"};
    const std::vector<core::UnitRef> units = core::parseUnitList(args.value("units"));
    const std::int64_t example = args.intValue("example", -1);
    core::DropSession session(args.positionals().front(), args.intValue("eval-subset", 500), args.value("device", "auto"),
                              args.intValue("threads", 0));
    using Clock = std::chrono::steady_clock;
    auto t0 = Clock::now();
    const core::DropResult none = session.evaluate({}, example);
    const double firstSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
    t0 = Clock::now();
    const core::DropResult r = session.evaluate(units, example);
    const double againSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
    // --repeat N: time N more evaluations, each with one more unit of the list dropped (a user
    // clicking units one by one), to measure the interactive latency.
    const std::int64_t repeat = args.intValue("repeat", 0);
    double repeatSeconds = 0;
    for (std::int64_t i = 0; i < repeat; ++i) {
        const std::size_t count = units.empty() ? 0 : static_cast<std::size_t>(i) % units.size() + 1;
        const std::vector<core::UnitRef> some(units.begin(), units.begin() + static_cast<std::ptrdiff_t>(count));
        const auto start = Clock::now();
        session.evaluate(some, example);
        repeatSeconds += std::chrono::duration<double>(Clock::now() - start).count();
    }
    if (args.has("json")) {
        nlohmann::json j = {{"units", args.value("units")},
                            {"clean_acc", r.clean},
                            {"noisy_given_acc", r.noisyGiven},
                            {"noisy_true_acc", r.noisyTrue},
                            {"test_acc", r.test},
                            {"baseline", {{"clean_acc", none.clean}, {"noisy_given_acc", none.noisyGiven}, {"noisy_true_acc", none.noisyTrue}, {"test_acc", none.test}}},
                            {"seconds_first", firstSeconds},
                            {"seconds_changed", againSeconds}};
        if (repeat > 0) j["seconds_per_change"] = repeatSeconds / static_cast<double>(repeat);
        if (example >= 0)
            j["example"] = {{"id", r.example}, {"noisy", r.exampleNoisy}, {"given_label", r.givenLabel}, {"true_label", r.trueLabel},
                            {"prediction", r.prediction}, {"prediction_before", none.prediction}, {"probabilities", r.probabilities}};
        std::printf("%s\n", j.dump(2).c_str());
        return kExitOk;
    }
    const SetWords w = runSetWords(args.positionals().front());
    std::printf("%-22s %8s %12s %11s %8s\n", "", w.rest.c_str(), w.givenShort.c_str(), w.truth.c_str(), "test");
    std::printf("%-22s %8s %12s %11s %8s\n", "no unit dropped", percent(none.clean).c_str(), percent(none.noisyGiven).c_str(),
                percent(none.noisyTrue).c_str(), percent(none.test).c_str());
    std::printf("%-22s %8s %12s %11s %8s\n", (std::to_string(units.size()) + " unit(s) dropped").c_str(), percent(r.clean).c_str(),
                percent(r.noisyGiven).c_str(), percent(r.noisyTrue).c_str(), percent(r.test).c_str());
    if (example >= 0) {
        std::printf("example %lld (%s, given label %lld, true label %lld): prediction %lld -> %lld (p = %.3f)\n",
                    static_cast<long long>(r.example), (r.exampleNoisy ? w.set : w.rest).c_str(), static_cast<long long>(r.givenLabel),
                    static_cast<long long>(r.trueLabel), static_cast<long long>(none.prediction),
                    static_cast<long long>(r.prediction), r.probabilities.at(static_cast<std::size_t>(r.prediction)));
    }
    std::printf("evaluation: %.3f s first (caches activations), %.3f s with the changed unit set", firstSeconds, againSeconds);
    if (repeat > 0) std::printf(", %.3f s per change over %lld changes", repeatSeconds / static_cast<double>(repeat), static_cast<long long>(repeat));
    std::printf("\n");
    return kExitOk;
}

} // namespace memloc::cli
