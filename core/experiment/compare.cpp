#include "memloc/compare.h"

#include "memloc/dropout_eval.h"
#include "memloc/error.h"
#include "memloc/experiment.h"
#include "memloc/flipping.h"
#include "memloc/retraining.h"
#include "memloc/rewinding.h"
#include "memloc/run_summary.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

namespace fs = std::filesystem;

const std::set<std::string> kSeedKeys = {"seed", "noise_seed", "subset_seed"};
const std::set<std::string> kExecutionKeys = {"device", "threads"};  // where it ran, not what

struct RunInfo {
    std::string path;
    RunSummary summary;
    std::map<std::string, std::string> settings;  ///< every config key -> its JSON text
};

bool has(const std::vector<std::string>& analyses, const std::string& analysis) {
    return std::find(analyses.begin(), analyses.end(), analysis) != analyses.end();
}

void addCurves(Condition& c, const std::vector<const RunInfo*>& runs) {
    std::size_t epochs = std::numeric_limits<std::size_t>::max();
    for (const RunInfo* r : runs) epochs = std::min(epochs, r->summary.metrics.size());
    std::vector<std::vector<double>> memorized, clean, test;
    for (const RunInfo* r : runs) {
        memorized.emplace_back();
        clean.emplace_back();
        test.emplace_back();
        for (std::size_t e = 0; e < epochs; ++e) {
            const EpochMetrics& m = r->summary.metrics[e];
            memorized.back().push_back(m.trainNoisyGivenAcc);
            clean.back().push_back(m.trainCleanAcc);
            test.back().push_back(m.testAcc);
        }
    }
    c.memorized = bandsOf(memorized, epochs);
    c.clean = bandsOf(clean, epochs);
    c.test = bandsOf(test, epochs);
}

/// The runs of a condition that store `analysis`.
std::vector<std::string> runsWith(const Condition& c, const std::string& analysis) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < c.runs.size(); ++i)
        if (has(c.runAnalyses[i], analysis)) out.push_back(c.runs[i]);
    return out;
}

void addRewinding(Condition& c) {
    std::vector<std::vector<double>> drop, grid;
    std::vector<double> finals;
    for (const std::string& path : runsWith(c, "rewinding")) {
        const RewindResult rw = readRewinding(path);
        const std::size_t mid = middleRewindIndex(rw);
        if (c.rewindGroups.empty()) {
            c.rewindGroups = rw.groups;
            c.rewindEpoch = rw.epochs[mid];
            c.rewindEpochs = rw.epochs;
        }
        if (rw.groups != c.rewindGroups) continue;
        if (rw.epochs[mid] == c.rewindEpoch) {
            drop.emplace_back();
            for (std::size_t g = 0; g < rw.groups.size(); ++g)
                drop.back().push_back(rw.finalModel.noisyGiven - rw.noisyGiven[g][mid]);
        }
        if (rw.epochs == c.rewindEpochs) {
            grid.emplace_back();  // flattened [group][epoch]
            for (const auto& row : rw.noisyGiven) grid.back().insert(grid.back().end(), row.begin(), row.end());
            finals.push_back(rw.finalModel.noisyGiven);
        }
    }
    c.rewindDrop = bandsOf(drop, c.rewindGroups.size());
    const std::vector<Band> flat = bandsOf(grid, c.rewindGroups.size() * c.rewindEpochs.size());
    c.rewindGrid.clear();
    for (std::size_t g = 0; g < c.rewindGroups.size(); ++g)
        c.rewindGrid.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(g * c.rewindEpochs.size()),
                                  flat.begin() + static_cast<std::ptrdiff_t>((g + 1) * c.rewindEpochs.size()));
    c.rewindFinal = bandOf(finals);
}

void addRetraining(Condition& c) {
    std::vector<std::vector<double>> retrained, rewound;
    for (const std::string& path : runsWith(c, "retraining")) {
        const RetrainResult rt = readRetraining(path);
        std::vector<std::string> groups;
        std::vector<double> last, first;
        for (const auto& g : rt.groups) {
            groups.push_back(g.group);
            last.push_back(g.series.empty() ? std::nan("") : g.series.back().noisyGiven);
            first.push_back(g.series.empty() ? std::nan("") : g.series.front().noisyGiven);
        }
        if (c.retrainGroups.empty()) c.retrainGroups = groups;
        if (groups != c.retrainGroups) continue;
        retrained.push_back(last);
        rewound.push_back(first);
    }
    c.retrainMemorized = bandsOf(retrained, c.retrainGroups.size());
    c.retrainRewound = bandsOf(rewound, c.retrainGroups.size());
}

void addFlipping(Condition& c) {
    std::vector<double> unitsNoisy, unitsClean;
    c.unitsNoisyAll.clear();
    c.unitsCleanAll.clear();
    for (const std::string& path : runsWith(c, "flipping")) {
        const FlipResult fl = readFlipping(path);
        unitsNoisy.push_back(medianUnits(fl, true));
        unitsClean.push_back(medianUnits(fl, false));
        c.flipMaxUnits = std::max(c.flipMaxUnits, fl.options.maxUnits);
        for (const FlipExample& e : fl.examples)
            (e.noisy ? c.unitsNoisyAll : c.unitsCleanAll)
                .push_back(static_cast<double>(e.flipped ? static_cast<std::int64_t>(e.units.size())
                                                         : fl.options.maxUnits + 1));
    }
    c.unitsNoisy = bandOf(unitsNoisy);
    c.unitsClean = bandOf(unitsClean);
}

void addDropout(Condition& c) {
    std::vector<std::vector<double>> memorized, clean, test;
    for (const std::string& path : runsWith(c, "dropout_eval")) {
        const DropoutEvalResult de = readDropoutEval(path);
        std::vector<std::string> modes;
        memorized.emplace_back();
        clean.emplace_back();
        test.emplace_back();
        for (const auto& m : de.modes) {
            modes.push_back(m.mode);
            memorized.back().push_back(m.noisyGiven);
            clean.back().push_back(m.clean);
            test.back().push_back(m.test);
        }
        if (c.dropoutModes.empty()) c.dropoutModes = modes;
    }
    c.dropoutMemorized = bandsOf(memorized, c.dropoutModes.size());
    c.dropoutClean = bandsOf(clean, c.dropoutModes.size());
    c.dropoutTest = bandsOf(test, c.dropoutModes.size());
}

} // namespace

Band bandOf(const std::vector<double>& values) {
    std::vector<double> v;
    for (double x : values)
        if (!std::isnan(x)) v.push_back(x);
    Band b;
    b.n = static_cast<int>(v.size());
    if (v.empty()) {
        b.mean = b.min = b.max = b.sd = std::nan("");
        return b;
    }
    double sum = 0;
    for (double x : v) sum += x;
    b.mean = sum / static_cast<double>(v.size());
    b.min = *std::min_element(v.begin(), v.end());
    b.max = *std::max_element(v.begin(), v.end());
    double squares = 0;
    for (double x : v) squares += (x - b.mean) * (x - b.mean);
    b.sd = v.size() > 1 ? std::sqrt(squares / static_cast<double>(v.size() - 1)) : 0.0;
    return b;
}

std::vector<Band> bandsOf(const std::vector<std::vector<double>>& values, std::size_t width) {
    std::vector<Band> out;
    for (std::size_t k = 0; k < width; ++k) {
        std::vector<double> column;
        for (const auto& row : values) column.push_back(k < row.size() ? row[k] : std::nan(""));
        out.push_back(bandOf(column));
    }
    return out;
}

Comparison compareRuns(const std::vector<std::string>& runsOrExperiments, unsigned parts) {
    std::vector<RunInfo> runs;
    std::vector<std::string> leftOut;
    for (const std::string& item : runsOrExperiments) {
        std::vector<std::string> paths;
        if (fs::is_directory(item)) {
            // A run another process is still writing is not read: only runs recorded as done.
            const Experiment e = readExperiment(item);
            for (const auto& r : e.runs) {
                const std::string path = (fs::path(item) / r.path).string();
                if (r.state == "done" && fs::exists(path)) paths.push_back(path);
                else if (r.state != "planned") leftOut.push_back(path + " (" + r.state + ")");
            }
            if (paths.empty()) throw Error(item + ": the experiment has no finished run yet");
        } else {
            paths.push_back(item);
        }
        for (const auto& path : paths) {
            RunInfo info;
            info.path = path;
            info.summary = readRunSummary(path);
            if (info.summary.metrics.empty()) throw Error(path + ": the run has no evaluated epoch yet");
            const auto config = nlohmann::json::parse(info.summary.configJson);
            for (const auto& [key, value] : config.items())
                if (!kExecutionKeys.count(key)) info.settings[key] = value.dump();
            runs.push_back(std::move(info));
        }
    }
    if (runs.empty()) throw Error("compare needs at least one run file or experiment folder");

    Comparison out;
    out.leftOut = leftOut;
    std::set<std::string> varied, seeds;
    for (const auto& [key, value] : runs.front().settings)
        for (const RunInfo& r : runs) {
            const auto it = r.settings.find(key);
            if (it == r.settings.end() || it->second != value) (kSeedKeys.count(key) ? seeds : varied).insert(key);
        }
    out.varied.assign(varied.begin(), varied.end());
    out.seedKeys.assign(seeds.begin(), seeds.end());

    std::vector<std::vector<const RunInfo*>> members;
    for (const RunInfo& r : runs) {
        std::map<std::string, std::string> key;
        std::string name, label;
        for (const auto& k : out.varied) {
            std::string v = r.settings.at(k);
            if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);  // JSON strings without quotes
            key[k] = v;
            name += (name.empty() ? "" : ",") + k + "=" + v;
            label += (label.empty() ? "" : ", ") + k + " " + v;
        }
        auto found = std::find_if(out.conditions.begin(), out.conditions.end(),
                                  [&](const Condition& c) { return c.settings == key; });
        if (found == out.conditions.end()) {
            Condition c;
            c.name = name.empty() ? "all runs" : name;
            c.label = label.empty() ? "all runs" : label;
            c.settings = key;
            c.focus = r.summary.focus;
            out.conditions.push_back(c);
            members.emplace_back();
            found = out.conditions.end() - 1;
        }
        found->runs.push_back(r.path);
        found->runAnalyses.push_back(r.summary.analyses);
        members[static_cast<std::size_t>(found - out.conditions.begin())].push_back(&r);
    }
    for (std::size_t i = 0; i < out.conditions.size(); ++i) {
        addCurves(out.conditions[i], members[i]);
        out.conditions[i].loaded = CompareCurves;
    }
    loadCompareParts(out, parts);
    return out;
}

FocusNames commonFocusNames(const Comparison& comparison) {
    if (comparison.conditions.empty()) return focusNames(RunConfig{});
    const FocusNames& first = comparison.conditions.front().focus;
    for (const Condition& c : comparison.conditions)
        if (c.focus.set != first.set || c.focus.rest != first.rest || c.focus.labelNoise != first.labelNoise)
            return {"studied set", "rest", false};
    return first;
}

void loadCompareParts(Comparison& comparison, unsigned parts) {
    for (Condition& c : comparison.conditions) {
        const unsigned missing = parts & ~c.loaded;
        if (missing & CompareRewinding) addRewinding(c);
        if (missing & CompareRetraining) addRetraining(c);
        if (missing & CompareFlipping) addFlipping(c);
        if (missing & CompareDropout) addDropout(c);
        c.loaded |= missing;
    }
}

} // namespace memloc::core
