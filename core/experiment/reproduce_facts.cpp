// The facts the reproduction report reads of each condition: the comparison's figures, the
// gradient accounting over the memorization phase, and flipping's costs and units per group.

#include "experiment/reproduce_facts.h"

#include "memloc/flipping.h"
#include "memloc/run_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

namespace fs = std::filesystem;

std::vector<double> means(const std::vector<Band>& bands) {
    std::vector<double> out;
    for (const Band& b : bands) out.push_back(b.mean);
    return out;
}

/// Per group, the memorization-phase means of the noisy/clean norm ratio and the cosine, and the
/// per-epoch ratio (mean over groups), averaged over the runs that store gradient accounting.
void addAccounting(Facts& f, const std::vector<std::string>& paths) {
    std::vector<std::vector<double>> ratios, cosines, curves;
    for (const std::string& path : paths) {
        const RunSummary s = readRunSummary(path);
        if (!s.hasAccounting) continue;
        const AccountingSeries a = readAccounting(path);
        const double final = s.metrics.back().trainNoisyGivenAcc;
        std::vector<double> ratio(a.groups.size(), 0.0), cosine(a.groups.size(), 0.0), curve;
        std::size_t phase = 0;
        for (std::size_t e = 0; e < a.cleanNorm.size(); ++e) {
            std::vector<double> r;
            for (std::size_t g = 0; g < a.groups.size(); ++g)
                r.push_back(a.cleanNorm[e][g] > 0 ? a.noisyNorm[e][g] / a.cleanNorm[e][g] : NAN);
            curve.push_back(meanOf(r));
            const double m = e + 1 < s.metrics.size() ? s.metrics[e + 1].trainNoisyGivenAcc : NAN;
            if (!(m >= 0.1 * final && m <= 0.9 * final)) continue;  // outside the memorization phase
            ++phase;
            for (std::size_t g = 0; g < a.groups.size(); ++g) {
                ratio[g] += r[g];
                cosine[g] += a.cosine[e][g];
            }
        }
        if (phase == 0) continue;
        for (std::size_t g = 0; g < a.groups.size(); ++g) {
            ratio[g] /= static_cast<double>(phase);
            cosine[g] /= static_cast<double>(phase);
        }
        if (f.accountingGroups.empty()) f.accountingGroups = a.groups;
        if (a.groups != f.accountingGroups) continue;
        ratios.push_back(ratio);
        cosines.push_back(cosine);
        curves.push_back(curve);
    }
    auto columnMeans = [](const std::vector<std::vector<double>>& rows) {
        return means(bandsOf(rows, rows.empty() ? 0 : rows.front().size()));
    };
    f.phaseRatio = columnMeans(ratios);
    f.phaseCosine = columnMeans(cosines);
    f.ratioCurve = columnMeans(curves);
}

/// Flipping beyond the comparison's medians: the accuracy each edit costs on the clean examples,
/// and where the units zeroed for memorized examples lie.
void addFlipDetails(Facts& f, const std::vector<std::string>& paths, const std::vector<std::vector<std::string>>& stored) {
    std::vector<double> costNoisy, costClean;
    std::vector<double> counts;
    double total = 0;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        if (std::find(stored[i].begin(), stored[i].end(), "flipping") == stored[i].end()) continue;
        const FlipResult fl = readFlipping(paths[i]);
        if (f.flipGroups.empty()) {
            f.flipGroups = fl.groups;
            counts.assign(fl.groups.size(), 0.0);
        }
        for (const FlipExample& e : fl.examples) {
            if (!e.flipped) continue;
            (e.noisy ? costNoisy : costClean).push_back(fl.baseClean - e.accClean);
            if (!e.noisy || fl.groups != f.flipGroups) continue;
            for (const FlipUnit& u : e.units)
                if (u.group >= 0 && static_cast<std::size_t>(u.group) < counts.size()) {
                    counts[static_cast<std::size_t>(u.group)] += 1;
                    total += 1;
                }
        }
    }
    f.costNoisy = meanOf(costNoisy);
    f.costClean = meanOf(costClean);
    if (total > 0)
        for (double c : counts) f.unitShare.push_back(c / total);
}

} // namespace

double meanOf(const std::vector<double>& v) {
    const Band b = bandOf(v);
    return b.n ? b.mean : NAN;
}

Facts factsOf(const Condition& c, const std::string& folder) {
    Facts f;
    const RunSummary first = readRunSummary(c.runs.front());
    char noise[32];
    std::snprintf(noise, sizeof noise, "%g", first.config.noise);
    f.noise = noise;
    f.exampleTied = first.config.dropout == "example-tied";
    f.dataset = first.config.dataset;
    for (const std::string& path : c.runs) f.runs.push_back(fs::relative(path, folder).generic_string());
    f.memorizedCurve = c.memorized;
    f.finalMemorized = c.memorized.back();
    f.finalClean = c.clean.back();
    f.finalTest = c.test.back();
    addAccounting(f, c.runs);
    f.rewindGroups = c.rewindGroups;
    f.rewindDrop = means(c.rewindDrop);
    f.retrainGroups = c.retrainGroups;
    f.retrained = means(c.retrainMemorized);
    f.unitsNoisy = c.unitsNoisy.n ? c.unitsNoisy.mean : NAN;
    f.unitsClean = c.unitsClean.n ? c.unitsClean.mean : NAN;
    addFlipDetails(f, c.runs, c.runAnalyses);
    f.dropoutModes = c.dropoutModes;
    f.dropoutMemorized = means(c.dropoutMemorized);
    f.dropoutClean = means(c.dropoutClean);
    f.dropoutTest = means(c.dropoutTest);
    return f;
}

Band across(const FactSet& set, const std::function<double(const Facts&)>& value) {
    std::vector<double> v;
    for (const Facts* f : set) v.push_back(value(*f));
    return bandOf(v);
}

/// Per-group bands over the conditions whose group list equals the first one's.
std::vector<Band> acrossGroups(const FactSet& set, std::vector<std::string>& groups,
                               const std::function<const std::vector<std::string>&(const Facts&)>& groupsOf,
                               const std::function<const std::vector<double>&(const Facts&)>& values) {
    groups.clear();
    std::vector<std::vector<double>> rows;
    for (const Facts* f : set) {
        if (values(*f).empty() || values(*f).size() != groupsOf(*f).size()) continue;
        if (groups.empty()) groups = groupsOf(*f);
        if (groupsOf(*f) == groups) rows.push_back(values(*f));
    }
    return bandsOf(rows, groups.size());
}

double modeValue(const Facts& f, const std::vector<double>& values, const std::string& mode) {
    for (std::size_t i = 0; i < f.dropoutModes.size() && i < values.size(); ++i)
        if (f.dropoutModes[i] == mode) return values[i];
    return NAN;
}


} // namespace memloc::core
