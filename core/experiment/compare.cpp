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

bool has(const RunSummary& s, const std::string& analysis) {
    return std::find(s.analyses.begin(), s.analyses.end(), analysis) != s.analyses.end();
}

/// Bands over the runs of values[run][k], k < width.
std::vector<Band> bandsOf(const std::vector<std::vector<double>>& values, std::size_t width) {
    std::vector<Band> out;
    for (std::size_t k = 0; k < width; ++k) {
        std::vector<double> column;
        for (const auto& row : values) column.push_back(k < row.size() ? row[k] : std::nan(""));
        out.push_back(bandOf(column));
    }
    return out;
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

void addAnalyses(Condition& c, const std::vector<const RunInfo*>& runs) {
    std::vector<std::vector<double>> drop, retrained;
    std::vector<double> unitsNoisy, unitsClean;
    std::vector<std::vector<double>> dropMemorized, dropTest;
    for (const RunInfo* r : runs) {
        if (has(r->summary, "rewinding")) {
            const RewindResult rw = readRewinding(r->path);
            const std::size_t mid = middleRewindIndex(rw);
            if (c.rewindGroups.empty()) {
                c.rewindGroups = rw.groups;
                c.rewindEpoch = rw.epochs[mid];
            }
            if (rw.groups == c.rewindGroups && rw.epochs[mid] == c.rewindEpoch) {
                drop.emplace_back();
                for (std::size_t g = 0; g < rw.groups.size(); ++g)
                    drop.back().push_back(rw.finalModel.noisyGiven - rw.noisyGiven[g][mid]);
            }
        }
        if (has(r->summary, "retraining")) {
            const RetrainResult rt = readRetraining(r->path);
            std::vector<std::string> groups;
            std::vector<double> values;
            for (const auto& g : rt.groups) {
                groups.push_back(g.group);
                values.push_back(g.series.empty() ? std::nan("") : g.series.back().noisyGiven);
            }
            if (c.retrainGroups.empty()) c.retrainGroups = groups;
            if (groups == c.retrainGroups) retrained.push_back(values);
        }
        if (has(r->summary, "flipping")) {
            const FlipResult fl = readFlipping(r->path);
            unitsNoisy.push_back(medianUnits(fl, true));
            unitsClean.push_back(medianUnits(fl, false));
        }
        if (has(r->summary, "dropout_eval")) {
            const DropoutEvalResult de = readDropoutEval(r->path);
            std::vector<std::string> modes;
            dropMemorized.emplace_back();
            dropTest.emplace_back();
            for (const auto& m : de.modes) {
                modes.push_back(m.mode);
                dropMemorized.back().push_back(m.noisyGiven);
                dropTest.back().push_back(m.test);
            }
            if (c.dropoutModes.empty()) c.dropoutModes = modes;
        }
    }
    c.rewindDrop = bandsOf(drop, c.rewindGroups.size());
    c.retrainMemorized = bandsOf(retrained, c.retrainGroups.size());
    c.unitsNoisy = bandOf(unitsNoisy);
    c.unitsClean = bandOf(unitsClean);
    c.dropoutMemorized = bandsOf(dropMemorized, c.dropoutModes.size());
    c.dropoutTest = bandsOf(dropTest, c.dropoutModes.size());
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

Comparison compareRuns(const std::vector<std::string>& runsOrExperiments) {
    std::vector<RunInfo> runs;
    for (const std::string& item : runsOrExperiments) {
        std::vector<std::string> paths;
        if (fs::is_directory(item)) {
            const Experiment e = readExperiment(item);
            for (const auto& r : e.runs) {
                const std::string path = (fs::path(item) / r.path).string();
                if (fs::exists(path)) paths.push_back(path);
            }
            if (paths.empty()) throw Error(item + ": the experiment has no run file yet");
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
        std::string name;
        for (const auto& k : out.varied) {
            std::string v = r.settings.at(k);
            if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);  // JSON strings without quotes
            key[k] = v;
            name += (name.empty() ? "" : ",") + k + "=" + v;
        }
        auto found = std::find_if(out.conditions.begin(), out.conditions.end(),
                                  [&](const Condition& c) { return c.settings == key; });
        if (found == out.conditions.end()) {
            Condition c;
            c.name = name.empty() ? "all runs" : name;
            c.settings = key;
            out.conditions.push_back(c);
            members.emplace_back();
            found = out.conditions.end() - 1;
        }
        found->runs.push_back(r.path);
        members[static_cast<std::size_t>(found - out.conditions.begin())].push_back(&r);
    }
    for (std::size_t i = 0; i < out.conditions.size(); ++i) {
        addCurves(out.conditions[i], members[i]);
        addAnalyses(out.conditions[i], members[i]);
    }
    return out;
}

} // namespace memloc::core
