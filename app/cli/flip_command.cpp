// memloc-cli flip: the minimum-neuron flipping analysis.

#include "analysis_command.h"
#include "commands.h"

#include "memloc/flipping.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace memloc::cli {

namespace {

nlohmann::json toJson(const core::FlipResult& r) {
    nlohmann::json examples = nlohmann::json::array();
    for (const auto& e : r.examples) {
        nlohmann::json units = nlohmann::json::array();
        for (const auto& u : e.units)
            units.push_back({{"group", r.groups.at(static_cast<std::size_t>(u.group))},
                             {"channel", u.channel},
                             {"parameter", u.parameter},
                             {"element", u.element},
                             {"prediction_after", u.predictionAfter}});
        examples.push_back({{"id", e.id},
                            {"kind", e.noisy ? "noisy" : "clean"},
                            {"given_label", e.givenLabel},
                            {"true_label", e.trueLabel},
                            {"original_prediction", e.originalPrediction},
                            {"flipped", e.flipped},
                            {"units_zeroed", e.units.size()},
                            {"units", units},
                            {"acc_clean_after", e.accClean},
                            {"acc_noisy_after", e.accNoisy},
                            {"acc_test_after", e.accTest}});
    }
    return {{"mode", r.options.mode},
            {"median_units_noisy", core::medianUnits(r, true)},
            {"median_units_clean", core::medianUnits(r, false)},
            {"base", {{"clean_acc", r.baseClean}, {"noisy_acc", r.baseNoisy}, {"test_acc", r.baseTest}}},
            {"examples", examples}};
}

void printKind(const core::FlipResult& r, bool noisy, const SetWords& w) {
    std::vector<std::size_t> counts;
    std::size_t flipped = 0, total = 0;
    double clean = 0, noisyAcc = 0, test = 0;
    for (const auto& e : r.examples) {
        if (e.noisy != noisy) continue;
        ++total;
        if (e.flipped) {
            ++flipped;
            counts.push_back(e.units.size());
        }
        clean += e.accClean;
        noisyAcc += e.accNoisy;
        test += e.accTest;
    }
    const std::string kind = noisy ? (w.labelNoise ? "noisy (memorized)" : w.set + " (fitted)") : w.rest;
    if (total == 0) {
        std::printf("%-18s no eligible example\n", kind.c_str());
        return;
    }
    std::sort(counts.begin(), counts.end());
    const double n = static_cast<double>(total);
    std::printf("%-18s %zu of %zu flipped; median units %g (flipped: min %zu, max %zu); after the edit: %s %s, %s %s, test %s\n",
                kind.c_str(), flipped, total, core::medianUnits(r, noisy), counts.empty() ? 0 : counts.front(),
                counts.empty() ? 0 : counts.back(), w.rest.c_str(), percent(clean / n).c_str(), w.set.c_str(),
                percent(noisyAcc / n).c_str(), percent(test / n).c_str());
}

} // namespace

int flipCommand(const Arguments& args) {
    std::set<std::string> known = kAnalysisOptions;
    known.insert({"noisy", "clean", "batch", "eot", "eot-noise", "mode", "max-units", "eval-subset", "seed"});
    args.requireKnown(known);
    if (args.positionals().size() != 1) throw UsageError{"flip takes one run file: memloc-cli flip RUN.h5 [options]"};
    core::FlipOptions o;
    o.noisy = args.intValue("noisy", o.noisy);
    o.clean = args.intValue("clean", o.clean);
    o.batch = args.intValue("batch", o.batch);
    o.eot = args.intValue("eot", o.eot);
    o.eotNoise = args.doubleValue("eot-noise", o.eotNoise);
    o.mode = args.value("mode", o.mode);
    o.maxUnits = args.intValue("max-units", o.maxUnits);
    o.evalSubset = args.intValue("eval-subset", o.evalSubset);
    o.seed = args.intValue("seed", o.seed);
    AnalysisCommand command(args);
    o.run = command.runOptions();
    const core::FlipResult r = core::runFlipping(args.positionals().front(), o);
    command.finish();
    if (args.has("json")) {
        std::printf("%s\n", toJson(r).dump(2).c_str());
        return kExitOk;
    }
    std::printf("neuron flipping (%s mode, batch %lld, eot %lld, cap %lld units) on %s\n", o.mode.c_str(),
                static_cast<long long>(o.batch), static_cast<long long>(o.eot), static_cast<long long>(o.maxUnits),
                args.positionals().front().c_str());
    const SetWords w = runSetWords(args.positionals().front());
    std::printf("unedited model: %s %s, %s %s, test %s\n", w.rest.c_str(), percent(r.baseClean).c_str(), w.set.c_str(),
                percent(r.baseNoisy).c_str(), percent(r.baseTest).c_str());
    printKind(r, true, w);
    printKind(r, false, w);
    std::printf("stored as /analyses/flipping\n");
    return kExitOk;
}

} // namespace memloc::cli
